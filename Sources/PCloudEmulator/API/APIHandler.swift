import Foundation
import Hummingbird
import Logging
import NIOPosix

/// Answers pCloud API calls against the shared drive (API notes §3, §8.4).
struct APIHandler {
    let core: EmulatorCore
    let logger: Logger

    /// Methods that answer without a token.
    static let anonymousMethods: Set<String> = ["currentserver", "getip"]

    /// Per-request tweaks decided by fault rules.
    struct Overrides {
        var linkTTL: TimeInterval?
    }

    var renderer: MetadataRenderer { MetadataRenderer(includePath: core.configuration.includePath) }

    /// Runs `request`; `body` is the raw request body, needed by `uploadfile` only.
    func handle(_ request: APIRequest, body: RequestBody, overrides: Overrides) async -> APIAnswer {
        do {
            if !Self.anonymousMethods.contains(request.method) {
                try authenticate(request)
            }
            var renderer = self.renderer
            renderer.timestamps = request.string("timeformat") == "timestamp"
            switch request.method {
            case "userinfo": return await userinfo(renderer)
            case "listfolder": return try await listfolder(request, renderer)
            case "stat": return try await stat(request, renderer)
            case "checksumfile": return try await checksumfile(request, renderer)
            case "getfilelink": return try await getfilelink(request, renderer, overrides: overrides)
            case "createfolder": return try await createfolder(request, renderer, allowExisting: false)
            case "createfolderifnotexists": return try await createfolder(request, renderer, allowExisting: true)
            case "uploadfile": return try await uploadfile(request, body: body, renderer)
            case "deletefile": return try await deletefile(request, renderer)
            case "renamefile": return try await renamefile(request, renderer)
            case "deletefolder": return try await deletefolder(request, renderer, recursive: false)
            case "deletefolderrecursive": return try await deletefolder(request, renderer, recursive: true)
            case "currentserver": return currentserver(request)
            case "getip": return .success([("ip", .string(request.peerIP)), ("country", .string("US"))])
            default:
                logger.warning("pCloud emulator: unknown API method '\(request.method)'")
                return .failure(PCloudResult(1, message: "Unknown method."))
            }
        } catch {
            return .failure(error.result)
        }
    }

    private func authenticate(_ request: APIRequest) throws(PCloudFailure) {
        if let token = request.bearer ?? request.string("access_token") {
            guard core.tokens.accepts(token) else { throw PCloudFailure(.invalidToken) }
            return
        }
        if let auth = request.string("auth") {
            guard core.tokens.accepts(auth) else { throw PCloudFailure(.loginFailed) }
            return
        }
        throw PCloudFailure(.loginRequired)
    }

    // MARK: Resolution

    /// The folder named by `folderid` or `path`.
    func folderID(_ request: APIRequest, idName: String = "folderid", pathName: String = "path") async throws(PCloudFailure) -> UInt64? {
        if let id = try request.uint64(idName, invalid: .noFolder) { return id }
        if let path = request.string(pathName) {
            guard path.hasPrefix("/") else { throw PCloudFailure(PCloudResult(2010)) }
            guard case .folder(let id)? = await core.drive.item(atPath: path) else { throw PCloudFailure(.folderMissing) }
            return id
        }
        return nil
    }

    /// The file named by `fileid` or `path`.
    func file(_ request: APIRequest, missing: PCloudResult = .fileMissing) async throws(PCloudFailure) -> DriveFile {
        if let id = try request.uint64("fileid", invalid: .noFile) {
            return try await core.drive.file(id, missing: missing)
        }
        if let path = request.string("path") {
            guard path.hasPrefix("/") else { throw PCloudFailure(PCloudResult(2010)) }
            guard case .file(let id)? = await core.drive.item(atPath: path) else { throw PCloudFailure(missing) }
            return try await core.drive.file(id, missing: missing)
        }
        throw PCloudFailure(.noFile)
    }

    // MARK: Read methods

    private func userinfo(_ renderer: MetadataRenderer) async -> APIAnswer {
        let used = await core.drive.usedBytes()
        let configuration = core.configuration
        return .success([
            ("userid", .uint(1)),
            ("email", .string(configuration.email)),
            ("emailverified", .bool(true)),
            ("registered", renderer.date(Date(timeIntervalSince1970: 1_577_836_800))),
            ("premium", .bool(true)),
            ("premiumlifetime", .bool(false)),
            ("quota", .int(configuration.quota)),
            ("usedquota", .int(used)),
            ("language", .string("en")),
            ("plan", .int(0)),
            ("cryptosetup", .bool(false)),
            ("cryptosubscription", .bool(false)),
            ("publiclinkquota", .int(53_687_091_200)),
            ("trashrevretentiondays", .int(30)),
            ("business", .bool(false)),
            ("locationid", .int(core.tokens.region == .us ? 1 : 2)),
        ])
    }

    private func listfolder(_ request: APIRequest, _ renderer: MetadataRenderer) async throws(PCloudFailure) -> APIAnswer {
        guard let id = try await folderID(request) else { throw PCloudFailure(.noFolder) }
        let recursive = request.flag("recursive")
        if recursive && id == 0 && core.configuration.refuseRootRecursive {
            throw PCloudFailure(PCloudResult(1101))
        }
        let listing = try await core.drive.listing(
            folderID: id, recursive: recursive, includeFiles: !request.flag("nofiles"),
            showDeleted: request.flag("showdeleted"), itemLimit: recursive ? core.configuration.recursiveItemLimit : nil)
        return .success([("metadata", renderer.listing(listing))])
    }

    private func stat(_ request: APIRequest, _ renderer: MetadataRenderer) async throws(PCloudFailure) -> APIAnswer {
        if request.string("fileid") == nil, let path = request.string("path"), path.hasPrefix("/"),
            case .folder(let id)? = await core.drive.item(atPath: path)
        {
            let folder = try await core.drive.folder(id)
            return .success([("metadata", renderer.folder(folder, path: await core.drive.path(ofFolder: id)))])
        }
        let file = try await file(request, missing: PCloudResult(core.configuration.statUnknownFileResult))
        return .success([("metadata", renderer.file(file, path: await core.drive.path(of: file)))])
    }

    /// The file's digests, computed off the event loops on first use and cached.
    func checksums(of file: DriveFile) async throws(PCloudFailure) -> FileChecksums {
        if let cached = file.checksums { return cached }
        let url = await core.drive.diskURL(of: file)
        do {
            let sums = try await NIOThreadPool.singleton.runIfActive { try FileChecksums.compute(fileAt: url) }
            await core.drive.remember(checksums: sums, forFile: file.id, version: file.version)
            return sums
        } catch {
            throw PCloudFailure(.internalError)
        }
    }

    func checksumFields(_ sums: FileChecksums) -> [(String, JSONValue)] {
        switch core.tokens.region {
        case .us: [("sha1", .string(sums.sha1)), ("md5", .string(sums.md5))]
        case .eu: [("sha1", .string(sums.sha1)), ("sha256", .string(sums.sha256))]
        }
    }

    private func checksumfile(_ request: APIRequest, _ renderer: MetadataRenderer) async throws(PCloudFailure) -> APIAnswer {
        let file = try await file(request)
        let sums = try await checksums(of: file)
        return .success(checksumFields(sums) + [("metadata", renderer.file(file, path: await core.drive.path(of: file)))])
    }

    private func getfilelink(
        _ request: APIRequest, _ renderer: MetadataRenderer, overrides: Overrides
    ) async throws(PCloudFailure) -> APIAnswer {
        if core.configuration.refuseReferer, request.headers[.referer] != nil {
            throw PCloudFailure(PCloudResult(7010))
        }
        let file = try await file(request)
        let forceDownload = request.flag("forcedownload")
        let maxSpeed = request.string("maxspeed").flatMap { Int($0) }
        if let maxSpeed, maxSpeed < 1 { throw PCloudFailure(PCloudResult(2011)) }
        let link = core.links.issue(
            fileID: file.id, fileName: file.name, issuedTo: request.peerIP,
            ttl: overrides.linkTTL ?? core.configuration.linkTTL,
            contentType: forceDownload ? "application/octet-stream" : request.string("contenttype"),
            forceDownload: forceDownload, maxSpeed: maxSpeed)
        let path = request.flag("skipfilename")
            ? "/dl/\(link.code)/" : "/dl/\(link.code)/\(FormEncoding.escapePathSegment(file.name))"
        return .success([
            ("dwltag", .string(link.dwltag)),
            ("hash", .uint(file.hash)),
            ("size", .int(file.size)),
            ("expires", renderer.date(link.expires)),
            ("path", .string(path)),
            ("hosts", .array([.string(core.contentHost)])),
        ])
    }

    private func currentserver(_ request: APIRequest) -> APIAnswer {
        let host = core.contentHost
        return .success([
            ("ip", .string(core.configuration.host)),
            ("ipbin", .string(core.configuration.host)),
            ("ipv6", .string("::1")),
            ("hostname", .string(host)),
        ])
    }
}
