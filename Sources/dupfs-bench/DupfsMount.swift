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

        /// The URL, options and environment that reach a data set on the emulator.
        func emulatorSource(_ dataset: BenchDataset) -> (url: String, options: [String], environment: [String: String]) {
            emulatorSource(folder: dataset.kind.rawValue)
        }

        /// The URL, options and environment that reach the backup in `Backups/<folder>` on the emulator.
        func emulatorSource(folder: String) -> (url: String, options: [String], environment: [String: String]) {
            ("pcloud://api.pcloud.com/Backups/\(folder)",
             ["--pcloud-api", api, "--ca-file", caFile, "--passphrase-file", passphraseFile], ["PCLOUD_AUTHID": token])
        }

        /// The URL and options that read a data set's folder directly (`file://`).
        func localSource(_ dataset: BenchDataset) -> (url: String, options: [String], environment: [String: String]) {
            ("file://" + dataset.backup.path, ["--passphrase-file", passphraseFile], [:])
        }
    }

    /// Mounts and waits until `dupfs mount` returns.
    /// - Parameters:
    ///   - dataset: the backup to mount.
    ///   - setup: binaries and emulator.
    ///   - mountpoint: an empty folder (created if missing).
    ///   - cacheDir: dupfs's `--cache-dir` (an empty one makes a cold mount).
    /// - Throws: `BenchError` when the mount fails.
    static func mount(_ dataset: BenchDataset, setup: Setup, mountpoint: String, cacheDir: String) throws -> DupfsMount {
        let source = setup.emulatorSource(dataset)
        return try mount(
            dupfs: setup.dupfs, url: source.url, options: source.options, environment: source.environment,
            mountpoint: mountpoint, cacheDir: cacheDir)
    }

    /// Mounts the backup in `Backups/<folder>` on the emulator and waits until `dupfs mount` returns.
    /// - Parameters:
    ///   - folder: the backup's folder below `Backups/`.
    ///   - setup: binaries and emulator.
    ///   - mountpoint: an empty folder (created if missing).
    ///   - cacheDir: dupfs's `--cache-dir` (an empty one makes a cold mount).
    /// - Throws: `BenchError` when the mount fails.
    static func mount(folder: String, setup: Setup, mountpoint: String, cacheDir: String) throws -> DupfsMount {
        let source = setup.emulatorSource(folder: folder)
        return try mount(
            dupfs: setup.dupfs, url: source.url, options: source.options, environment: source.environment,
            mountpoint: mountpoint, cacheDir: cacheDir)
    }

    /// Mounts any backup URL and waits until `dupfs mount` returns.
    /// - Parameters:
    ///   - dupfs: the binary.
    ///   - url: the backup's URL (`pcloud://…`, `file://…`).
    ///   - options: the options reaching it (passphrase file, emulator, CA).
    ///   - environment: variables for dupfs (the access token).
    ///   - mountpoint: an empty folder (created if missing).
    ///   - cacheDir: dupfs's `--cache-dir` (an empty one makes a cold mount).
    /// - Throws: `BenchError` when the mount fails.
    static func mount(
        dupfs: String, url: String, options: [String], environment: [String: String], mountpoint: String, cacheDir: String
    ) throws -> DupfsMount {
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        let outcome = try ExternalCommand.require(
            dupfs, ["mount", url, mountpoint, "--cache-dir", cacheDir, "--log-file", cacheDir + "-mount.log"] + options,
            environment: environment, detaches: true)
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
