#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// Unmounting by path, the way that wakes a session loop: as root with `umount2(2)`,
/// otherwise through the setuid `fusermount3`.
enum Unmount {
    /// Unmounts `path`; if it is busy (open files), detaches it lazily instead.
    /// - Parameters:
    ///   - path: The canonical mountpoint.
    ///   - logger: Where a failure is reported (exit() has no caller to throw to).
    static func detach(_ path: String, logger: Logger) {
        if geteuid() == 0 {
            if umount2(path, 0) == 0 { return }
            let first = errno
            if first == EBUSY, umount2(path, Int32(MNT_DETACH)) == 0 { return }
            logger.error("unmount failed", metadata: ["mountpoint": "\(path)", "error": "\(Errno(first == EBUSY ? errno : first))"])
            return
        }
        if runFusermount(["-u", "-q", path]) == 0 { return }
        if runFusermount(["-u", "-q", "-z", path]) != 0 {
            logger.error("fusermount3 -u -z failed", metadata: ["mountpoint": "\(path)"])
        }
    }

    /// Runs `fusermount3` with `arguments` (posix_spawn, never fork) and waits for it.
    /// - Returns: Its exit status, or -1 if it could not run.
    private static func runFusermount(_ arguments: [String]) -> Int32 {
        let argv: [UnsafeMutablePointer<CChar>?] = (["fusermount3"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = argv.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return EINVAL }
            return posix_spawnp(&pid, "fusermount3", nil, nil, base, environ)
        }
        guard spawned == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        // WIFEXITED / WEXITSTATUS are macros; decode the classic wait status by hand.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
    }
}
