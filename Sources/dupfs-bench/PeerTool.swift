import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// restic or borg: the same trees backed up into a local repository (no network) and mounted,
/// as the rows to beat.
struct PeerTool {
    /// Which tool.
    enum Kind: String, CaseIterable {
        case restic, borg
    }

    /// Which tool.
    let kind: Kind
    /// Its binary.
    let executable: String
    /// Repositories, caches and mountpoints of this tool.
    let home: URL

    /// The tool, when it is installed.
    /// - Parameters:
    ///   - kind: restic or borg.
    ///   - home: a folder for its repositories and caches.
    static func find(_ kind: Kind, home: URL) -> PeerTool? {
        guard let path = ExternalCommand.which(kind.rawValue) else { return nil }
        return PeerTool(kind: kind, executable: path, home: home.appendingPathComponent(kind.rawValue))
    }

    /// Passphrase and cache locations, so nothing lands in the user's home.
    var environment: [String: String] {
        [
            "RESTIC_PASSWORD": BenchDataset.passphrase, "RESTIC_CACHE_DIR": home.appendingPathComponent("cache").path,
            "BORG_PASSPHRASE": BenchDataset.passphrase, "BORG_BASE_DIR": home.appendingPathComponent("base").path,
            "BORG_RELOCATED_REPO_ACCESS_IS_OK": "yes", "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK": "yes",
        ]
    }

    /// The version string, for the report.
    func version() -> String {
        let outcome = try? ExternalCommand.run(executable, kind == .restic ? ["version"] : ["--version"])
        return outcome?.stdout.split(separator: "\n").first.map(String.init) ?? kind.rawValue
    }

    /// Backs up a data set's tree into a repository of its own, unless an earlier run did.
    /// - Parameters:
    ///   - dataset: a data set with its tree on disk.
    ///   - scale: for the marker (a repository of another scale is rebuilt).
    /// - Returns: the repository.
    /// - Throws: `BenchError` when init or backup fails.
    func prepareRepository(for dataset: BenchDataset, scale: BenchScale) throws -> URL {
        guard let tree = dataset.tree else { throw BenchError.missing("the \(dataset.kind.rawValue) tree on disk") }
        let repository = home.appendingPathComponent("repo-\(dataset.kind.rawValue)")
        let marker = home.appendingPathComponent("repo-\(dataset.kind.rawValue).done")
        let spec = "\(dataset.kind.rawValue)/\(scale.name)/\(dataset.facts["spec"] as? String ?? "")"
        if (try? String(contentsOf: marker, encoding: .utf8)) == spec { return repository }
        try? FileManager.default.removeItem(at: repository)
        try? FileManager.default.removeItem(at: marker)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        switch kind {
        case .restic:
            try ExternalCommand.require(executable, ["-r", repository.path, "init", "--quiet"], environment: environment)
            try ExternalCommand.require(
                executable, ["-r", repository.path, "backup", "--quiet", "--host", "bench", "bench"],
                environment: environment, directory: tree.path, discardOutput: true)
        case .borg:
            try ExternalCommand.require(executable, ["init", "-e", "repokey", repository.path], environment: environment)
            try ExternalCommand.require(
                executable, ["create", "--compression", "lz4", repository.path + "::v1", "bench"],
                environment: environment, directory: tree.path, discardOutput: true)
        }
        try Data(spec.utf8).write(to: marker)
        return repository
    }

    /// Mounts a repository's (only) snapshot.
    /// - Returns: the mount, with the folder that holds the data set's root.
    /// - Throws: `BenchError` when the mount does not come up.
    func mount(_ repository: URL, dataset: BenchDataset, mountpoint: String) throws -> PeerMount {
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        switch kind {
        case .restic:
            // restic mount stays in the foreground: keep it as a child and stop it afterwards.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-r", repository.path, "mount", "--no-lock", mountpoint]
            var env = ProcessInfo.processInfo.environment
            for (key, value) in environment { env[key] = value }
            process.environment = env
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            let start = Date()
            try process.run()
            try FuseMounts.waitForMount(mountpoint)
            let latest = "\(mountpoint)/snapshots/latest"
            let deadline = Date().addingTimeInterval(60)
            while !FileManager.default.fileExists(atPath: latest) && Date() < deadline { usleep(20_000) }
            let seconds = Date().timeIntervalSince(start)
            // restic keeps the path as given ("bench") under the snapshot.
            let root = "\(latest)/\(dataset.versionPath)"
            guard FileManager.default.fileExists(atPath: root) else {
                FuseMounts.unmount(mountpoint)
                process.terminate()
                throw BenchError.missing(root)
            }
            return PeerMount(mountpoint: mountpoint, root: root, process: process, mountSeconds: seconds)
        case .borg:
            let outcome = try ExternalCommand.require(
                executable, ["mount", repository.path + "::v1", mountpoint], environment: environment, detaches: true)
            try FuseMounts.waitForMount(mountpoint)
            let root = "\(mountpoint)/\(dataset.versionPath)"
            guard FileManager.default.fileExists(atPath: root) else {
                FuseMounts.unmount(mountpoint)
                throw BenchError.missing(root)
            }
            return PeerMount(mountpoint: mountpoint, root: root, process: nil, mountSeconds: outcome.seconds)
        }
    }
}

/// A mounted restic or borg repository.
struct PeerMount {
    /// The mountpoint.
    let mountpoint: String
    /// The data set's root inside the mount.
    let root: String
    /// restic's foreground process (borg daemonizes itself).
    let process: Process?
    /// Seconds until the mount was usable.
    let mountSeconds: Double

    /// Unmounts and stops the tool's process.
    func unmount() {
        FuseMounts.unmount(mountpoint)
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
