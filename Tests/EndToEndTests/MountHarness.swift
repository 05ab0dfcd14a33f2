import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Mounting the real `dupfs` binary for tests, the way a user does: `dupfs mount` returns once
/// the filesystem is ready; the tests then use plain POSIX calls and unmount with fusermount3.
enum MountHarness {
    static var fuseAvailable: Bool {
        FileManager.default.fileExists(atPath: "/dev/fuse")
            && ["/usr/bin/fusermount3", "/bin/fusermount3"].contains { FileManager.default.isExecutableFile(atPath: $0) }
            && DupfsProcess.available
    }

    /// Whether the emulator binary was built beside dupfs.
    static var emulatorBuilt: Bool {
        DupfsProcess.available
            && FileManager.default.isExecutableFile(atPath: DupfsProcess.binDirectory.appendingPathComponent("pcloud-emulator").path)
    }

    /// Whether something is mounted at `path` with our filesystem type.
    static func isMounted(_ path: String) -> Bool {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return false }
        return mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[1] == path && fields[2] == "fuse.dupfs"
        }
    }

    /// Unmounts, retrying while busy, and waits until the mount is gone (deadline 20 s).
    static func unmount(_ path: String) {
        let deadline = Date().addingTimeInterval(20)
        while isMounted(path) && Date() < deadline {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/fusermount3")
            process.arguments = ["-u", path]
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try? process.run()
            process.waitUntilExit()
            if isMounted(path) { usleep(100_000) }
        }
    }


    /// Waits until a process is gone (deadline in seconds).
    static func waitForExit(_ pid: pid_t, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if kill(pid, 0) != 0 && errno == ESRCH { return true }
            // A zombie counts as gone.
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), stat.contains(") Z ") { return true }
            usleep(50_000)
        }
        return false
    }

    /// A fresh empty folder.
    static func temporaryFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `cp -a source destination`.
    static func copyAll(_ source: String, _ destination: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cp")
        process.arguments = ["-a", source, destination]
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
