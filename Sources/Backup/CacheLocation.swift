import Digests
import Storage
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where the local index of a backup lives: `<cache root>/<backup id>/`, every folder ours
/// alone (see ``CacheFolder``).
package struct CacheLocation: Sendable {
    /// The cache root (absolute).
    package let root: String
    /// The folder of this backup's index.
    package let directory: String

    /// The default cache root: `$XDG_CACHE_HOME/dupfs`, else `$HOME/.cache/dupfs`.
    package static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/dupfs" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return absolute(home + "/.cache/dupfs")
    }

    /// `path` made absolute against the working folder (as it is now: resolve before any chdir).
    package static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let here = FileManager.default.currentDirectoryPath
        return (here.hasSuffix("/") ? here : here + "/") + path
    }

    /// A short stable id for a backup: location identity plus prefix, hashed.
    package static func backupID(identity: String, prefix: String) -> String {
        let digest = HashAlgorithm.sha256.digest(Array("\(identity)\n\(prefix)".utf8))
        return digest.prefix(10).map { String(format: "%02x", $0) }.joined()
    }

    /// - Parameters:
    ///   - root: the cache root (`--cache-dir`, relative to the working folder), or nil for the default.
    ///   - identity: the store's identity.
    ///   - prefix: the backup's file prefix.
    package init(root: String?, identity: String, prefix: String) {
        self.root = Self.absolute(root ?? Self.defaultRoot())
        directory = self.root + "/" + Self.backupID(identity: identity, prefix: prefix)
    }

    /// Creates the folders as needed (each new one 0700) and checks that nobody else can change
    /// them. The mode of a folder that already existed is never changed (the root may be a
    /// shared sticky folder such as /tmp).
    /// - Throws: ``StorageError/untrustedCache(path:reason:)``, ``StorageError/system(operation:path:errno:)``.
    package func create() throws {
        try CacheFolder.prepare(directory, root: root)
    }

    /// The index database file, created 0600 if missing.
    ///
    /// An existing file is never opened here: closing any descriptor of a file drops all the
    /// POSIX locks this process holds on it, so an open-and-close while one of our SQLite
    /// connections is open would let another process (the mount's short-lived parent, a
    /// `dupfs ls`) checkpoint and delete the write-ahead log under us, which corrupts the index.
    /// - Throws: ``StorageError/untrustedCache(path:reason:)`` for an index that is a symlink or
    ///   not ours alone, ``BackupError/local(_:)`` when it cannot be created.
    package func indexPath() throws -> String {
        let path = directory + "/index.sqlite"
        var info = stat()
        if try CacheFolder.checkFile(path), lstat(path, &info) == 0 {
            if info.st_mode & 0o077 != 0 { chmod(path, 0o600) }
            return path
        }
        // Missing: create it (no connection of ours can exist yet); another process may win the race.
        let fd = open(path, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDWR | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno == ENOSPC || errno == EDQUOT {
            throw StorageError.cacheFull(folder: directory)
        } else if errno != EEXIST {
            throw BackupError.local("cannot create index \(path): \(String(cString: strerror(errno)))")
        } else {
            _ = try CacheFolder.checkFile(path)
        }
        return path
    }
}
