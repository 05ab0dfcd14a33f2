import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// One benchmark run: data sets, the emulator, the mounts, the measurements, the table.
final class BenchRun {
    let scale: BenchScale
    let work: URL
    let bin: URL
    let usePeers: Bool
    let sections: Set<String>?
    /// Sections left out even when `sections` names or brings them.
    let skipped: Set<String>
    /// The longest a WAN-section `tar` or restore may run before it is stopped (and reported so).
    var wanStepLimit: Double = 600
    /// The many-version data sets (files x versions) instead of the scale's.
    var versionSets: [(files: Int, versions: Int)]?
    var table = ResultTable()
    var notes: [String] = []
    var peers: [PeerTool] = []
    /// This run's mountpoints, caches and logs (emptied at start).
    let runDir: URL

    init(scale: BenchScale, work: URL, bin: URL, usePeers: Bool, sections: Set<String>?, skipped: Set<String> = []) {
        self.scale = scale
        self.work = work
        self.bin = bin
        self.usePeers = usePeers
        self.sections = sections
        self.skipped = skipped
        runDir = work.appendingPathComponent("run")
    }

    func log(_ line: String) {
        FileHandle.standardError.write(Data("bench: \(line)\n".utf8))
    }

    /// Whether a section runs. `versions` brings `huge` along: issue H asks for the 1M-file
    /// row again beside the many-version rows.
    func wants(_ section: String) -> Bool {
        guard !skipped.contains(section) else { return false }
        guard let sections else { return true }
        return sections.contains(section) || (section == "huge" && sections.contains("versions"))
    }

    func run() throws {
        let dupfs = bin.appendingPathComponent("dupfs").path
        let emulatorBinary = bin.appendingPathComponent("pcloud-emulator")
        for path in [dupfs, emulatorBinary.path] where !FileManager.default.isExecutableFile(atPath: path) {
            throw BenchError.missing("\(path) (build the package with -c release first)")
        }
        for path in FuseMounts.mountsBelow(runDir.path) { FuseMounts.unmount(path) }
        try? FileManager.default.removeItem(at: runDir)
        try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        let drive = work.appendingPathComponent("drive")
        let data = work.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        if usePeers {
            peers = PeerTool.Kind.allCases.compactMap { PeerTool.find($0, home: work.appendingPathComponent("peers")) }
            if peers.isEmpty { notes.append("restic and borg are not installed: no peer rows") }
        }
        let passFile = runDir.appendingPathComponent("passphrase")
        try Data((BenchDataset.passphrase + "\n").utf8).write(to: passFile)

        let started = Date()
        var datasets: [BenchDataset.Kind: BenchDataset] = [:]
        for kind in BenchDataset.Kind.allCases where wants(kind.rawValue) {
            datasets[kind] = try BenchDataset.prepare(
                kind, scale: scale, drive: drive, data: data, needTree: !peers.isEmpty && kind != .huge && kind != .wan, log: log)
        }
        var versionDatasets: [VersionsDataset] = []
        if wants("versions") {
            for set in versionSets ?? scale.versionSets {
                versionDatasets.append(try VersionsDataset.prepare(
                    files: set.files, versions: set.versions, scale: scale, drive: drive, data: data, log: log))
            }
        }
        log("starting the pCloud emulator")
        let emulator = try EmulatorProcess(
            executable: emulatorBinary, root: drive, work: runDir.appendingPathComponent("emulator"), tokens: ["bench-token"])
        defer { emulator.stop() }
        let setup = DupfsMount.Setup(
            dupfs: dupfs, api: emulator.httpsURL, caFile: emulator.caPath, passphraseFile: passFile.path, token: "bench-token")

        if let big = datasets[.big] { measureBig(big, setup: setup, emulator: emulator) }
        if let listing = datasets[.listing] { measureListing(listing, setup: setup) }
        if let mixed = datasets[.mixed] { measureMixed(mixed, setup: setup) }
        if let huge = datasets[.huge] { measureHuge(huge, setup: setup) }
        for versions in versionDatasets { measureVersions(versions, setup: setup, emulator: emulator) }
        if let wan = datasets[.wan] { measureWAN(wan, setup: setup, emulator: emulator) }
        let total = Date().timeIntervalSince(started)

        print(header(totalSeconds: total))
        print(table.markdown())
        for note in notes { print("- " + note) }
    }

    /// The machine and the settings, printed above the table.
    func header(totalSeconds: Double) -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "?"
        let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("MemTotal") }
            .map { String($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") }
            .flatMap { Int($0) }.map { Figures.bytes($0 * 1024) } ?? "?"
        let peerText = peers.isEmpty ? "none" : peers.map { $0.version() }.joined(separator: ", ")
        return """
            dupfs-bench (\(scale.name)): \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \(memory) RAM; \
            big file \(Figures.bytes(scale.bigFileSize)), volumes \(Figures.bytes(scale.volumeSize)), \
            blocks \(Figures.bytes(scale.blocksize)), AES Crypt v2; peers: \(peerText); run took \(Int(totalSeconds)) s

            """
    }

    // MARK: Helpers shared by the sections

    /// A fresh mountpoint and cache folder for one mount of a data set.
    func paths(_ name: String) -> (mountpoint: String, cache: String) {
        (runDir.appendingPathComponent("mnt-\(name)").path, runDir.appendingPathComponent("cache-\(name)").path)
    }

    /// Drops the kernel caches, or says it couldn't (callers then remount).
    func dropCaches() -> Bool {
        let ok = FuseMounts.dropKernelCaches()
        if !ok, !notes.contains(where: { $0.hasPrefix("drop_caches") }) {
            notes.append("drop_caches not permitted: remounted instead")
        }
        return ok
    }

    /// `ls -lR folder > /dev/null`, timed.
    func listRecursively(_ folder: String) throws -> Double {
        try ExternalCommand.require("ls", ["-lR", folder], discardOutput: true).seconds
    }

    /// `tar cf - . | wc -c` in a folder: every file read once. (tar skips reading data when the
    /// archive itself is /dev/null, hence the pipe.)
    func readEverything(_ folder: String) throws -> (bytes: Int, seconds: Double) {
        let outcome = try ExternalCommand.shell("set -o pipefail; tar cf - . | wc -c", directory: folder)
        guard outcome.succeeded, let bytes = Int(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchError.commandFailed("tar cf - . | wc -c in \(folder)", status: outcome.status, stderr: outcome.stderr)
        }
        return (bytes, outcome.seconds)
    }

    /// `cat file > /dev/null`, timed.
    func readFile(_ path: String) throws -> Double {
        try ExternalCommand.require("cat", [path], discardOutput: true).seconds
    }

    /// The faster of the peers' figures for a row, as (tool, value), where lower is better or not.
    func bestPeer(_ figures: [(String, Double)], lowerIsBetter: Bool) -> (String, Double)? {
        figures.min { lowerIsBetter ? $0.1 < $1.1 : $0.1 > $1.1 }
    }

    /// Mounts each peer on a data set, runs `body` on the data set's folder inside, unmounts.
    func forEachPeer(_ dataset: BenchDataset, _ body: (PeerTool, PeerMount) throws -> Void) {
        for peer in peers {
            do {
                log("\(peer.kind.rawValue): backing up the \(dataset.kind.rawValue) tree (once)")
                let repository = try peer.prepareRepository(for: dataset, scale: scale)
                _ = dropCaches()
                let mountpoint = runDir.appendingPathComponent("mnt-\(peer.kind.rawValue)-\(dataset.kind.rawValue)").path
                let mount = try peer.mount(repository, dataset: dataset, mountpoint: mountpoint)
                defer { mount.unmount() }
                try body(peer, mount)
            } catch {
                table.failed("\(dataset.kind.rawValue)·\(peer.kind.rawValue)", "peer run", error)
            }
        }
    }
}

extension FuseMounts {
    /// Mountpoints at or below a folder (left over by an interrupted run).
    static func mountsBelow(_ folder: String) -> [String] {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return [] }
        return mounts.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            let path = String(fields[1])
            return path.hasPrefix(folder + "/") ? path : nil
        }
    }
}
