import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A running `dupfs mount`, started as a user starts it (it returns once the mount is ready).
final class MountedBackup {
    /// The mountpoint.
    let mountpoint: String
    /// The background process serving it.
    let pid: pid_t

    /// Mounts and waits until `dupfs mount` has returned.
    /// - Parameters:
    ///   - dupfs: the binary.
    ///   - url: the backup URL.
    ///   - mountpoint: an empty folder (created if missing).
    ///   - options: further `dupfs mount` options.
    ///   - environment: e.g. `PCLOUD_AUTHID`.
    /// - Throws: `ReliabilityError.mountFailed`.
    init(dupfs: String, url: String, mountpoint: String, options: [String], environment: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        let result = try ChildProcess.run(dupfs, ["mount", url, mountpoint] + options, environment: environment)
        guard result.status == 0 else { throw ReliabilityError.mountFailed("status \(result.status): \(result.output)") }
        guard let pid = MountServer.pid(for: mountpoint) else {
            throw ReliabilityError.mountFailed("no dupfs process serves \(mountpoint)")
        }
        self.mountpoint = mountpoint
        self.pid = pid
    }

    /// Unmounts (retrying while busy), then makes sure the server has exited.
    func unmount() {
        let deadline = Date().addingTimeInterval(20)
        while Self.isMounted(mountpoint) && Date() < deadline {
            _ = try? ChildProcess.run("/usr/bin/fusermount3", ["-u", mountpoint])
            if Self.isMounted(mountpoint) { usleep(200_000) }
        }
        if Self.isMounted(mountpoint) {
            _ = try? ChildProcess.run("/usr/bin/fusermount3", ["-uz", mountpoint])
        }
        if !waitForExit(seconds: 20) { kill(pid, SIGKILL) }
        _ = waitForExit(seconds: 5)
    }

    /// Kills the server outright: pending FUSE requests then fail, so stuck readers come back.
    func kill9() {
        kill(pid, SIGKILL)
        _ = waitForExit(seconds: 10)
        _ = try? ChildProcess.run("/usr/bin/fusermount3", ["-uz", mountpoint])
    }

    private func waitForExit(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if kill(pid, 0) != 0 && errno == ESRCH { return true }
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), stat.contains(") Z ") { return true }
            usleep(50_000)
        }
        return false
    }

    /// Whether a process is alive (not gone, not a zombie).
    static func isServing(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !stat.contains(") Z ")
    }

    /// Whether `path` is a `fuse.dupfs` mount.
    static func isMounted(_ path: String) -> Bool {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return false }
        return mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[1] == path && fields[2] == "fuse.dupfs"
        }
    }

}
