import AESCrypt
import Foundation
import TestSupport

/// The many-version data sets of the `h` rows (issue H): a ``ChurningTree`` of N files backed
/// up V times (per version 1 % of the files changed, 0.5 % added, 0.3 % deleted), and beside
/// it two folders to compare with: the same volumes with only the newest dlist, and a backup
/// of the newest tree alone (its own volumes, one version).
struct VersionsDataset {
    /// N x V, e.g. `10000x100`.
    let name: String
    /// The tree's size and churn.
    let shape: ChurningTree.Shape
    /// What the backup holds: distinct entries, memberships, the newest version's size.
    let counts: ManyVersionBackup.Counts
    /// Bytes of the backup folder, and of its dlists alone.
    let backupBytes: Int
    let dlistBytes: Int
    /// Seconds the generator took (nil when reused).
    let generationSeconds: Double?

    /// The folder names on the emulator's drive, below `Backups/`.
    var folder: String { "versions-\(name)" }
    var newestOnlyFolder: String { "versions-\(name)-newest" }
    var newestAloneFolder: String { "versions-\(name)-alone" }

    /// The backed-up root as it appears inside a mounted version.
    var versionPath: String { String(shape.root.dropFirst()) }

    /// Parses `10000x100,100000x100`.
    static func parseSets(_ text: String) -> [(files: Int, versions: Int)]? {
        var out: [(files: Int, versions: Int)] = []
        for item in text.split(separator: ",") {
            let parts = item.lowercased().split(separator: "x")
            guard parts.count == 2, let files = Int(parts[0]), let versions = Int(parts[1]), files > 0, versions > 0 else { return nil }
            out.append((files, versions))
        }
        return out.isEmpty ? nil : out
    }

    /// Reuses a data set written by an earlier run with the same spec, or writes it.
    /// - Parameters:
    ///   - files: files of the oldest version.
    ///   - versions: number of versions.
    ///   - scale: volume and block sizes.
    ///   - drive: the folder the emulator serves.
    ///   - data: where the markers live.
    ///   - log: progress lines.
    static func prepare(
        files: Int, versions: Int, scale: BenchScale, drive: URL, data: URL, log: (String) -> Void
    ) throws -> VersionsDataset {
        let name = "\(files)x\(versions)"
        var shape = ChurningTree.Shape(files: files, versions: versions, seed: 7)
        shape.root = "/bench/versions"
        let backups = drive.appendingPathComponent("Backups")
        let backup = backups.appendingPathComponent("versions-\(name)")
        let newestOnly = backups.appendingPathComponent("versions-\(name)-newest")
        let alone = backups.appendingPathComponent("versions-\(name)-alone")
        let marker = data.appendingPathComponent("versions-\(name).json")
        let spec = "versions/\(name)/\(scale.name)/v1"
        let fm = FileManager.default
        if let saved = try? JSONDecoder().decode(Marker.self, from: Data(contentsOf: marker)), saved.spec == spec,
           [backup, newestOnly, alone].allSatisfy({ fm.fileExists(atPath: $0.path) }) {
            log("reusing the \(name) many-version data set")
            return VersionsDataset(
                name: name, shape: shape, counts: saved.counts, backupBytes: saved.backupBytes, dlistBytes: saved.dlistBytes,
                generationSeconds: nil)
        }
        try? fm.removeItem(at: marker)
        for folder in [backup, newestOnly, alone] { try? fm.removeItem(at: folder) }
        log("generating the \(name) many-version data set (\(files) files x \(versions) versions)...")
        var options = FixtureOptions(
            blocksize: scale.blocksize, volumeSize: scale.volumeSize,
            encryption: .aes(.v2, passphrase: BenchDataset.passphrase), indexPolicy: .full)
        options.compressionLevel = 6
        options.seed = UInt64(files &* 31 &+ versions)
        let ((counts, _), seconds) = try Stopwatch.time {
            let written = try ManyVersionBackup.write(shape, to: backup, options: options) { index in
                if (index + 1) % 10 == 0 { log("  \(name): \(index + 1) of \(versions) versions written") }
            }
            try ManyVersionBackup.linkNewestOnly(from: backup, to: newestOnly)
            options.seed &+= 1
            try ManyVersionBackup.writeNewestAlone(shape, to: alone, options: options)
            return written
        }
        var backupBytes = 0, dlistBytes = 0
        for item in try fm.contentsOfDirectory(atPath: backup.path) {
            let size = (try? fm.attributesOfItem(atPath: backup.appendingPathComponent(item).path)[.size] as? Int) ?? 0
            backupBytes += size
            if item.contains(".dlist.") { dlistBytes += size }
        }
        log("  \(name): \(counts.newestFiles) files in the newest version, \(counts.distinctEntries) distinct entries, written in \(Int(seconds)) s")
        let saved = Marker(spec: spec, counts: counts, backupBytes: backupBytes, dlistBytes: dlistBytes)
        try JSONEncoder().encode(saved).write(to: marker)
        return VersionsDataset(
            name: name, shape: shape, counts: counts, backupBytes: backupBytes, dlistBytes: dlistBytes,
            generationSeconds: seconds)
    }

    /// What a run records beside a written data set, to reuse it.
    private struct Marker: Codable {
        let spec: String
        let counts: ManyVersionBackup.Counts
        let backupBytes: Int
        let dlistBytes: Int
    }
}
