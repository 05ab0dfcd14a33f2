#if canImport(Glibc)
import Glibc
#endif

/// The local cache's folders and files, opened so that another user can neither redirect our
/// writes nor read what we write (as ssh treats `~/.ssh`).
///
/// Rules, checked on the open descriptor of each folder (every one opened with `O_NOFOLLOW`):
/// - folders above the cache root may be symlinks (a `~/.cache` pointing elsewhere) but must
///   belong to root or to us and not be writable by others unless sticky (`/tmp`);
/// - the cache root belongs to us, or is a shared sticky folder of root's (`--cache-dir /tmp`),
///   and is writable by group or others only when sticky;
/// - every folder and file below the root belongs to us and is writable by nobody else; a file
///   is a plain file with one link (not a symlink, not a hard link to someone's file).
///
/// Folders are created 0700; the mode of a folder we did not create is never changed. Once a
/// folder passes, nobody but us (or root) can rename or replace anything below it, so the
/// paths can then be used by name (SQLite opens the index by name).
package enum CacheFolder {
    /// Makes sure `directory` exists and is ours alone, creating what is missing (0700).
    /// - Parameters:
    ///   - directory: an absolute path at or below `root`.
    ///   - root: the cache root (absolute).
    /// - Throws: ``StorageError/untrustedCache(path:reason:)`` for a folder that fails the rules,
    ///   ``StorageError/system(operation:path:errno:)`` when one cannot be opened or created.
    package static func prepare(_ directory: String, root: String) throws(StorageError) {
        let rootParts = components(root)
        let parts = components(directory)
        guard parts.starts(with: rootParts) else {
            throw .untrustedCache(path: directory, reason: "is not inside the cache folder \(root)")
        }
        var fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", path: "/", errno: errno) }
        defer { close(fd) }
        var path = ""
        for (index, part) in parts.enumerated() {
            path += "/" + part
            let place: Place = index < rootParts.count - 1 ? .above : (index == rootParts.count - 1 ? .root : .below)
            var next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT {
                if mkdirat(fd, part, 0o700) != 0 && errno != EEXIST {
                    if errno == ENOSPC || errno == EDQUOT { throw .cacheFull(folder: path) }
                    throw .system(operation: "mkdir", path: path, errno: errno)
                }
                next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 && (errno == ELOOP || errno == ENOTDIR) && place == .above {
                // A symlink above the root was put there by root or by us (its folder passed).
                next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }
            if next < 0 {
                let failure = errno
                var info = stat()
                if failure == EACCES, fstatat(fd, part, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_uid != geteuid() {
                    // Someone else's private folder (a name taken in a shared /tmp).
                    throw .untrustedCache(path: path, reason: "belongs to another user (uid \(info.st_uid))")
                }
                errno = failure
                if errno == ELOOP { throw .untrustedCache(path: path, reason: "is a symbolic link") }
                if errno == ENOTDIR { throw .untrustedCache(path: path, reason: "is not a folder") }
                throw .system(operation: "open", path: path, errno: errno)
            }
            close(fd)
            fd = next
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw .system(operation: "stat", path: path, errno: errno) }
            if let reason = objection(to: info, place: place) { throw .untrustedCache(path: path, reason: reason) }
        }
    }

    /// Checks an existing file of the cache without opening it (closing any descriptor of the
    /// index would drop the locks SQLite holds on it).
    /// - Returns: false when there is no file at `path`.
    /// - Throws: ``StorageError/untrustedCache(path:reason:)`` for a symlink, a hard link or a
    ///   file that is not ours alone.
    package static func checkFile(_ path: String) throws(StorageError) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return false }
            throw .system(operation: "stat", path: path, errno: errno)
        }
        if let reason = fileObjection(to: info) { throw .untrustedCache(path: path, reason: reason) }
        return true
    }

    /// Opens a file of the cache for appending (`O_NOFOLLOW`), creating it 0600 with `O_EXCL`
    /// when missing, and checks the open file.
    /// - Returns: the descriptor (close-on-exec).
    /// - Throws: ``StorageError``.
    package static func openForAppending(_ path: String) throws(StorageError) -> Int32 {
        var fd: Int32 = -1
        while fd < 0 {
            fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 { break }
            if errno == ELOOP { throw .untrustedCache(path: path, reason: "is a symbolic link") }
            guard errno == ENOENT else { throw .system(operation: "open", path: path, errno: errno) }
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd < 0 && errno != EEXIST { throw .system(operation: "create", path: path, errno: errno) }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let saved = errno
            close(fd)
            throw .system(operation: "stat", path: path, errno: saved)
        }
        if let reason = fileObjection(to: info) {
            close(fd)
            throw .untrustedCache(path: path, reason: reason)
        }
        // O_NONBLOCK was only for the open (a FIFO planted there must not hang us).
        _ = fcntl(fd, F_SETFL, O_APPEND)
        return fd
    }

    private enum Place { case above, root, below }

    private static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }

    private static func objection(to info: stat, place: Place) -> String? {
        let me = geteuid()
        let owner = info.st_uid
        let sticky = info.st_mode & S_ISVTX != 0
        switch place {
        case .above:
            if owner != 0 && owner != me { return "belongs to another user (uid \(owner))" }
            if info.st_mode & 0o002 != 0 && !sticky { return "is writable by every user" }
        case .root:
            if owner != me && !(owner == 0 && sticky) { return "belongs to another user (uid \(owner))" }
            if info.st_mode & 0o022 != 0 && !sticky { return "is writable by other users" }
        case .below:
            if owner != me { return "belongs to another user (uid \(owner))" }
            if info.st_mode & 0o022 != 0 { return "is writable by other users" }
        }
        return nil
    }

    private static func fileObjection(to info: stat) -> String? {
        if info.st_mode & S_IFMT == S_IFLNK { return "is a symbolic link" }
        if info.st_mode & S_IFMT != S_IFREG { return "is not a plain file" }
        if info.st_uid != geteuid() { return "belongs to another user (uid \(info.st_uid))" }
        if info.st_nlink != 1 { return "has other hard links" }
        if info.st_mode & 0o022 != 0 { return "is writable by other users" }
        return nil
    }
}
