import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A `dupfs mount` of one data set, served by the emulator, as a user would run it.
struct DupfsMount {
    /// The mountpoint.
    let mountpoint: String
    /// The process serving the mount.
    let pid: pid_t
    /// Seconds `dupfs mount` took to return (mount ready).
    let mountSeconds: Double

    /// Where dupfs and the emulator are, and how to reach the emulator.
    struct Setup {
        /// The `dupfs` binary.
        let dupfs: String
        /// The emulator's `https://127.0.0.1:PORT`.
        let api: String
        /// The emulator's CA.
        let caFile: String
        /// A file holding the passphrase.
        let passphraseFile: String
        /// The emulator's access token.
        let token: String
    }

    /// Mounts and waits until `dupfs mount` returns.
    /// - Parameters:
    ///   - dataset: the backup to mount.
    ///   - setup: binaries and emulator.
    ///   - mountpoint: an empty folder (created if missing).
    ///   - cacheDir: dupfs's `--cache-dir` (an empty one makes a cold mount).
    /// - Throws: `BenchError` when the mount fails.
    static func mount(_ dataset: BenchDataset, setup: Setup, mountpoint: String, cacheDir: String) throws -> DupfsMount {
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        let outcome = try ExternalCommand.require(
            setup.dupfs,
            ["mount", "pcloud://api.pcloud.com/Backups/\(dataset.kind.rawValue)", mountpoint,
             "--pcloud-api", setup.api, "--ca-file", setup.caFile, "--cache-dir", cacheDir,
             "--passphrase-file", setup.passphraseFile, "--log-file", cacheDir + "-mount.log"],
            environment: ["PCLOUD_AUTHID": setup.token], detaches: true)
        guard let pid = MountServer.pid(for: mountpoint) else { throw BenchError.missing("the dupfs process serving \(mountpoint)") }
        return DupfsMount(mountpoint: mountpoint, pid: pid, mountSeconds: outcome.seconds)
    }

    /// The folder of the (only) version: `MOUNT/latest/<root>`.
    func versionFolder(_ dataset: BenchDataset) -> String {
        "\(mountpoint)/latest/\(dataset.versionPath)"
    }

    /// The serving process's peak resident memory (`VmHWM`), in bytes.
    func peakMemory() -> Int? {
        ProcessMemory.peak(of: pid)
    }

    /// Unmounts and waits for the server to exit.
    func unmount() {
        FuseMounts.unmount(mountpoint)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, kill(pid, 0) == 0 {
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), stat.contains(") Z ") { break }
            usleep(50_000)
        }
    }

}

/// Peak memory of a process from `/proc/PID/status`.
enum ProcessMemory {
    /// `VmHWM` in bytes, or nil when the process is gone.
    static func peak(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        return nil
    }
}
