import Foundation
import Hummingbird
import NIOCore

extension APIHandler {
    /// Splits an absolute path into its parent folder id and last component.
    private func parentAndName(ofPath path: String) async throws(PCloudFailure) -> (UInt64, String) {
        guard path.hasPrefix("/") else { throw PCloudFailure(PCloudResult(2010)) }
        var parts = path.split(separator: "/").map(String.init)
        guard let name = parts.popLast() else { throw PCloudFailure(PCloudResult(2010)) }
        guard case .folder(let parent)? = await core.drive.item(atPath: "/" + parts.joined(separator: "/")) else {
            throw PCloudFailure(.parentMissing)
        }
        return (parent, name)
    }

    func createfolder(
        _ request: APIRequest, _ renderer: MetadataRenderer, allowExisting: Bool
    ) async throws(PCloudFailure) -> APIAnswer {
        let parent: UInt64
        let name: String
        if let id = try request.uint64("folderid", invalid: .noName), let n = request.string("name") {
            parent = id
            name = n
        } else if let path = request.string("path") {
            (parent, name) = try await parentAndName(ofPath: path)
        } else {
            throw PCloudFailure(.noName)
        }
        let (folder, created) = try await core.drive.createFolder(named: name, in: parent, allowExisting: allowExisting)
        let metadata = renderer.folder(folder, path: await core.drive.path(ofFolder: folder.id))
        if allowExisting {
            return .success([("created", .bool(created)), ("metadata", metadata)])
        }
        return .success([("metadata", metadata)])
    }

    func deletefile(_ request: APIRequest, _ renderer: MetadataRenderer) async throws(PCloudFailure) -> APIAnswer {
        let file = try await file(request)
        let path = await core.drive.path(of: file)
        let deleted = try await core.drive.deleteFile(file.id)
        return .success([("metadata", renderer.file(deleted, path: path))])
    }

    func renamefile(_ request: APIRequest, _ renderer: MetadataRenderer) async throws(PCloudFailure) -> APIAnswer {
        let file = try await file(request)
        var toName = request.string("toname")
        var toFolder = try request.uint64("tofolderid", invalid: .noFolder)
        if let topath = request.string("topath") {
            if topath.hasSuffix("/") {
                guard case .folder(let id)? = await core.drive.item(atPath: topath) else {
                    throw PCloudFailure(.parentMissing)
                }
                toFolder = id
            } else if case .folder(let id)? = await core.drive.item(atPath: topath) {
                toFolder = id
            } else {
                let (parent, name) = try await parentAndName(ofPath: topath)
                toFolder = parent
                toName = name
            }
        }
        if toName == nil && toFolder == nil { throw PCloudFailure(PCloudResult(2001)) }
        let (renamed, replaced) = try await core.drive.renameFile(file.id, toName: toName, toFolder: toFolder)
        var metadata = renderer.file(renamed, path: await core.drive.path(of: renamed))
        if let replaced, case .object(var pairs) = metadata {
            pairs.append(("deletedfileid", .uint(replaced)))
            metadata = .object(pairs)
        }
        return .success([("metadata", metadata)])
    }

    func deletefolder(
        _ request: APIRequest, _ renderer: MetadataRenderer, recursive: Bool
    ) async throws(PCloudFailure) -> APIAnswer {
        guard let id = try await folderID(request) else { throw PCloudFailure(.noFolder) }
        let path = await core.drive.path(ofFolder: id)
        let (folder, files, folders) = try await core.drive.deleteFolder(id, recursive: recursive)
        if recursive {
            return .success([("deletedfiles", .int(Int64(files))), ("deletedfolders", .int(Int64(folders)))])
        }
        return .success([("metadata", renderer.folder(folder, path: path))])
    }

    // MARK: uploadfile

    /// One file received by `uploadfile`.
    private struct Received {
        var name: String
        var temporary: URL
        var size: Int64
        var checksums: FileChecksums
    }

    func uploadfile(_ request: APIRequest, body: RequestBody, _ renderer: MetadataRenderer) async throws(PCloudFailure) -> APIAnswer {
        var request = request
        let contentType = request.headers[.contentType] ?? ""
        var received: [Received] = []
        var folder: UInt64
        if let boundary = MultipartForm.boundary(fromContentType: contentType) {
            let form: MultipartForm
            do {
                let buffer = try await body.collect(upTo: 1 << 30)
                form = try MultipartForm(body: Array(buffer.readableBytesView), boundary: boundary)
            } catch {
                throw PCloudFailure(PCloudResult(5001))
            }
            request.merge(form.fields)
            folder = try await folderID(request) ?? 0
            for part in form.files {
                let name = part.fileName.isEmpty ? (request.string("filename") ?? "") : part.fileName
                try Drive.validate(name: name)
                let temporary = try await core.drive.temporaryUploadURL(in: folder)
                var accumulator = FileChecksums.Accumulator()
                part.bytes.withUnsafeBytes { accumulator.update($0) }
                do {
                    try Data(part.bytes).write(to: temporary)
                } catch {
                    throw PCloudFailure(PCloudResult(5001))
                }
                received.append(Received(name: name, temporary: temporary, size: Int64(part.bytes.count), checksums: accumulator.finalize()))
            }
        } else {
            guard let name = request.string("filename") else { throw PCloudFailure(.invalidName) }
            try Drive.validate(name: name)
            // pCloud refuses bodies without a Content-Length (rclone's authors found chunked uploads fail).
            guard let declared = request.headers[.contentLength].flatMap({ Int64($0) }) else {
                throw PCloudFailure(PCloudResult(5001))
            }
            folder = try await folderID(request) ?? 0
            let temporary = try await core.drive.temporaryUploadURL(in: folder)
            let (size, sums, complete) = await Self.stream(body, to: temporary)
            if !complete || size != declared {
                if request.flag("nopartial") || size == 0 {
                    try? FileManager.default.removeItem(at: temporary)
                    throw PCloudFailure(PCloudResult(2041))
                }
            }
            received.append(Received(name: name, temporary: temporary, size: size, checksums: sums))
        }

        var fileIDs: [JSONValue] = []
        var metadata: [JSONValue] = []
        var checksums: [JSONValue] = []
        for item in received {
            let file = try await core.drive.commitUpload(
                temporary: item.temporary, name: item.name, folderID: folder, size: item.size, checksums: item.checksums,
                contentType: nil, mtime: request.date("mtime"), ctime: request.date("ctime"),
                renameIfExists: request.flag("renameifexists"))
            fileIDs.append(.uint(file.id))
            metadata.append(renderer.file(file, path: await core.drive.path(of: file)))
            checksums.append(.object(checksumFields(item.checksums)))
        }
        var answer = APIAnswer.success([("fileids", .array(fileIDs)), ("metadata", .array(metadata)), ("checksums", .array(checksums))])
        answer.loggedParameters = request.redactedParameters
        return answer
    }

    /// Streams a raw upload body into `url`, digesting it; `complete` is false when the body broke off.
    private static func stream(_ body: RequestBody, to url: URL) async -> (Int64, FileChecksums, complete: Bool) {
        var accumulator = FileChecksums.Accumulator()
        var size: Int64 = 0
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return (0, accumulator.finalize(), false) }
        defer { close(fd) }
        do {
            for try await buffer in body {
                let ok = buffer.withUnsafeReadableBytes { raw -> Bool in
                    accumulator.update(raw)
                    var offset = 0
                    while offset < raw.count {
                        guard let base = raw.baseAddress else { return false }
                        let n = write(fd, base + offset, raw.count - offset)
                        if n <= 0 { return false }
                        offset += n
                    }
                    return true
                }
                guard ok else { return (size, accumulator.finalize(), false) }
                size += Int64(buffer.readableBytes)
            }
        } catch {
            return (size, accumulator.finalize(), false)
        }
        return (size, accumulator.finalize(), true)
    }
}
