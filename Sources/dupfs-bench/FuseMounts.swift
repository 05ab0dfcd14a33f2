import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// FUSE mounts of any tool: waiting for them and taking them down.
enum FuseMounts {
    /// Whether something is mounted at `path` (per /proc/mounts).
    static func isMounted(_ path: String) -> Bool {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return false }
        return mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 1 && fields[1] == path
        }
    }

    /// Waits until a mount appears at `path`.
    /// - Throws: `BenchError.mountTimeout` after `seconds`.
    static func waitForMount(_ path: String, seconds: Double = 120) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !isMounted(path) {
            guard Date() < deadline else { throw BenchError.mountTimeout(path) }
            usleep(20_000)
        }
    }

    /// `fusermount3 -u`, retried while busy, until the mount is gone (20 s at most).
    static func unmount(_ path: String) {
        let deadline = Date().addingTimeInterval(20)
        while isMounted(path) && Date() < deadline {
            _ = try? ExternalCommand.run("fusermount3", ["-u", path])
            if isMounted(path) { usleep(100_000) }
        }
    }

    /// Drops the kernel's page, dentry and inode caches.
    /// - Returns: false when not permitted (then callers remount instead).
    static func dropKernelCaches() -> Bool {
        sync()
        guard let handle = FileHandle(forWritingAtPath: "/proc/sys/vm/drop_caches") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("3\n".utf8))
            return true
        } catch {
            return false
        }
    }
}
