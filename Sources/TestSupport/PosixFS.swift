#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place where fixture code calls the file system. Paths go to the kernel as their
/// exact UTF-8 bytes, so NFC and NFD names stay distinct (Foundation may normalise them).
enum PosixFS {
    /// Creates or replaces a regular file with `bytes` and permission bits `mode` (before umask).
    static func writeFile(_ path: String, _ bytes: [UInt8], mode: UInt32 = 0o644) throws(FixtureError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw failure(path, "open") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress! + written, raw.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure(path, "write")
            }
            written += result
        }
    }

    /// Reads a whole regular file.
    static func readFile(_ path: String) throws(FixtureError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, "open") }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, "read")
            }
            if count == 0 { return result }
            result += chunk[0..<count]
        }
    }

    /// Creates a directory; an existing directory is fine.
    static func makeDirectory(_ path: String, mode: UInt32 = 0o755) throws(FixtureError) {
        if mkdir(path, mode_t(mode)) != 0 {
            let code = errno
            if code == EEXIST, isDirectory(path) { return }
            throw FixtureError.io(path: path, operation: "mkdir", errno: code)
        }
    }

    /// Creates a directory and any missing ancestors (`mkdir -p`).
    static func makeDirectories(_ path: String) throws(FixtureError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            try makeDirectory(prefix)
        }
    }

    /// True when `path` names a directory (following symlinks).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// True when something (even a dangling symlink) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Creates a symbolic link at `path` pointing to `target`.
    static func makeSymlink(_ path: String, target: String) throws(FixtureError) {
        guard symlink(target, path) == 0 else { throw failure(path, "symlink") }
    }

    /// Sets permission bits (never on symlinks: Linux can't).
    static func setMode(_ path: String, _ mode: UInt32) throws(FixtureError) {
        guard chmod(path, mode_t(mode)) == 0 else { throw failure(path, "chmod") }
    }

    /// Sets owner and group without following a symlink.
    static func setOwner(_ path: String, uid: UInt32, gid: UInt32) throws(FixtureError) {
        guard lchown(path, uid_t(uid), gid_t(gid)) == 0 else { throw failure(path, "lchown") }
    }

    /// Sets access and modification time to the same instant, without following a symlink.
    static func setTimes(_ path: String, seconds: Int64, nanoseconds: Int32) throws(FixtureError) {
        var stamp = timespec()
        stamp.tv_sec = time_t(seconds)
        stamp.tv_nsec = Int(nanoseconds)
        var times = (stamp, stamp)
        let result = withUnsafePointer(to: &times) { pair in
            pair.withMemoryRebound(to: timespec.self, capacity: 2) {
                utimensat(AT_FDCWD, path, $0, AT_SYMLINK_NOFOLLOW)
            }
        }
        guard result == 0 else { throw failure(path, "utimensat") }
    }

    /// Removes a file or symlink.
    static func removeFile(_ path: String) throws(FixtureError) {
        guard unlink(path) == 0 else { throw failure(path, "unlink") }
    }

    /// Shortens or extends a file.
    static func truncateFile(_ path: String, to size: Int64) throws(FixtureError) {
        guard truncate(path, off_t(size)) == 0 else { throw failure(path, "truncate") }
    }

    /// Names in a directory, without `.` and `..`.
    static func list(_ path: String) throws(FixtureError) -> [String] {
        guard let handle = opendir(path) else { throw failure(path, "opendir") }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The effective user id (ownership is applied only as root).
    static var isRoot: Bool { geteuid() == 0 }

    private static func failure(_ path: String, _ operation: String) -> FixtureError {
        .io(path: path, operation: operation, errno: errno)
    }
}
