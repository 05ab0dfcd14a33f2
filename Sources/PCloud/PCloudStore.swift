import ByteSource
import Foundation
import HTTP
import Logging
import Storage
import Synchronization

/// A read-only pCloud folder as a ``BackendStore``: lists with `listfolder`, reads byte ranges
/// through `getfilelink` download links.
package final class PCloudStore: BackendStore {
    /// `pcloud://<host><folder>`, without the token.
    package let displayName: String
    /// `pcloud://<host><folder>#user=<userid>`: the account makes two accounts' same-named folders
    /// different locations; no secret.
    package let identity: String
    /// The configuration (holds the token: never print it).
    let configuration: PCloudConfiguration
    /// The API client.
    let api: PCloudAPI
    /// Download links per file.
    let links: FileLinkCache
    private let listed = Mutex<[String: ListedFile]>([:])
    private let logger: Logger

    /// Connects: checks the token with `userinfo` (one call) to learn the account id.
    /// - Parameters:
    ///   - configuration: host, folder, token, API base, CA file, retries.
    ///   - logger: for retries and warnings.
    ///   - clock: the clock for link expiry (injectable for tests).
    ///   - sleep: pauses between retries (injectable for tests).
    /// - Throws: `StorageError.invalidLocation` for a plain `http://` API URL to another host;
    ///   `StorageError.accessDenied` for a missing, rejected or other-region token;
    ///   `StorageError.network` when pCloud cannot be reached.
    package init(
        configuration: PCloudConfiguration, logger: Logger = Logger(label: "dupfs.pcloud"),
        clock: @escaping @Sendable () -> Date = { Date() }, sleep: (@Sendable (Double) -> Void)? = nil
    ) throws(StorageError) {
        self.configuration = configuration
        self.logger = logger
        self.links = FileLinkCache(margin: configuration.linkMargin, now: clock)
        displayName = "pcloud://\(configuration.host)\(configuration.folder == "/" ? "" : configuration.folder)"
        switch configuration.transport {
        case .encrypted: break
        case .plainLoopback:
            logger.warning("the pCloud API URL is plain http://: the token travels unencrypted (allowed only to a loopback address)")
        case .plainRemote(let host):
            throw .invalidLocation(
                "refusing to send the pCloud token in clear text to \(host) over http://; use an https:// API URL (plain http is allowed only to a loopback address)")
        }
        do {
            api = try PCloudAPI(configuration: configuration, logger: logger, sleep: sleep)
        } catch {
            throw Self.storageError(error, configuration: configuration, subject: nil)
        }
        let user: UInt64
        do {
            user = try api.userID()
        } catch {
            throw Self.storageError(error, configuration: configuration, subject: nil)
        }
        identity = "\(displayName)#user=\(user)"
    }

    package func list() throws(StorageError) -> [RemoteFile] {
        let files: [ListedFile]
        do {
            files = try api.listFiles(in: configuration.folder)
        } catch {
            throw Self.storageError(error, configuration: configuration, subject: nil)
        }
        var byName: [String: ListedFile] = [:]
        for file in files {
            if byName[file.name] != nil {
                logger.warning("pCloud listed a file name twice; using the first", metadata: ["name": "\(file.name)"])
                continue
            }
            byName[file.name] = file
        }
        listed.withLock { $0 = byName }
        return byName.values
            .map { RemoteFile(name: $0.name, size: $0.size, modified: $0.modified) }
            .sorted { $0.name < $1.name }
    }

    package func open(_ file: RemoteFile) throws(StorageError) -> any ByteSource {
        var entry = listed.withLock { $0[file.name] }
        if entry == nil {
            _ = try list()
            entry = listed.withLock { $0[file.name] }
        }
        guard let entry else { throw StorageError.fileNotFound(file.name) }
        return PCloudFileSource(store: self, name: file.name, fileID: entry.fileID, size: file.size)
    }
}
