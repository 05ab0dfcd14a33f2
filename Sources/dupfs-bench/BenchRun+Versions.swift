import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The `h` rows (issue H): a backup of many versions against the same tree's one-version
/// backup: index size, cold and warm listing, a walk of every version, peak memory.
extension BenchRun {
    /// Measures one many-version data set.
    func measureVersions(_ dataset: VersionsDataset, setup: DupfsMount.Setup, emulator: EmulatorProcess) {
        let id = "h·\(dataset.name)"
        let counts = dataset.counts
        let root = dataset.versionPath
        table.add(
            id, "\(dataset.shape.files) files x \(counts.versions) versions (per version 1% changed, 0.5% added, 0.3% deleted): newest entries / distinct entries (D) / (version, entry) pairs (M); remote folder (its dlists)",
            "\(counts.newestEntries) / \(counts.distinctEntries) (D = \(String(format: "%.2f", counts.distinctRatio))) / \(counts.memberships); \(Figures.bytes(dataset.backupBytes)) (\(Figures.bytes(dataset.dlistBytes)))"
                + (dataset.generationSeconds.map { "; written in \(Int($0)) s" } ?? ""))

        // The references: the same volumes with only the newest dlist (cold listing), and the
        // newest tree backed up alone (the 1-version index).
        var referenceCold: Double?
        do {
            log("h \(dataset.name): cold mount of the same volumes with only the newest dlist")
            let (mountpoint, cache) = paths("\(dataset.name)-newest")
            let mount = try DupfsMount.mount(
                folder: dataset.newestOnlyFolder, setup: setup, mountpoint: mountpoint, cacheDir: cache)
            defer { mount.unmount() }
            let listed = try listVersionFolders(mount, expected: 1)
            let latest = try ExternalCommand.require("ls", ["-l", "\(mountpoint)/latest/\(root)"], discardOutput: true).seconds
            referenceCold = mount.mountSeconds + listed + latest
            table.add(
                id, "reference: cold mount → `ls -l latest/\(root)`, same volumes but only the newest dlist",
                "\(Figures.seconds(referenceCold ?? 0)) (`dupfs mount` returned after \(Figures.seconds(mount.mountSeconds)))",
                verdict: "reference")
        } catch {
            table.failed(id, "cold listing, newest dlist only", error)
        }
        var oneVersionIndex: Int?
        do {
            log("h \(dataset.name): the newest tree backed up alone: cold mount, ls -lR, index size")
            let (mountpoint, cache) = paths("\(dataset.name)-alone")
            let mount = try DupfsMount.mount(
                folder: dataset.newestAloneFolder, setup: setup, mountpoint: mountpoint, cacheDir: cache)
            _ = try listRecursively("\(mountpoint)/latest/")
            _ = waitForQuiet(emulator)
            mount.unmount()
            oneVersionIndex = try Self.indexBytes(cache)
            noteIndexFiles("\(id) (alone)", cache)
            table.add(
                id, "reference: index of the newest tree backed up alone (1 version, own volumes), after `ls -lR`",
                Figures.bytes(oneVersionIndex ?? 0), verdict: "reference")
        } catch {
            table.failed(id, "1-version index", error)
        }

        // The many-version backup: one cold mount walked through every version.
        let (mountpoint, cache) = paths(dataset.name)
        do {
            log("h \(dataset.name): cold mount, version folders, ls -l latest")
            let mount = try DupfsMount.mount(
                folder: dataset.folder, setup: setup, mountpoint: mountpoint, cacheDir: cache)
            defer { mount.unmount() }
            let listed = try listVersionFolders(mount, expected: counts.versions)
            let folders = mount.mountSeconds + listed
            table.add(
                id, "cold mount → `ls` of the mount shows all \(counts.versions) version folders",
                "\(Figures.seconds(folders)) (`dupfs mount` returned after \(Figures.seconds(mount.mountSeconds)))",
                target: "≤ 2 s", verdict: ResultTable.verdict(folders <= 2, by: Figures.seconds(folders - 2)))
            let latest = try ExternalCommand.require("ls", ["-l", "\(mountpoint)/latest/\(root)"], discardOutput: true).seconds
            let cold = folders + latest
            if let referenceCold {
                let bound = 2 * referenceCold + 1
                table.add(
                    id, "cold mount → `ls -l latest/\(root)` (after that `ls`)", Figures.seconds(cold),
                    target: "≤ 2 x reference + 1 s = \(Figures.seconds(bound))",
                    verdict: ResultTable.verdict(cold <= bound, by: Figures.seconds(cold - bound)))
            } else {
                table.add(id, "cold mount → `ls -l latest/\(root)` (after that `ls`)", Figures.seconds(cold), verdict: "no reference")
            }

            log("h \(dataset.name): ls -lR of every version")
            let walk = try listRecursively(mountpoint)
            table.add(
                id, "`ls -lR` of the mount: every version (\(counts.memberships) entries), right after", Figures.seconds(walk),
                verdict: String(format: "info: %.0f entries/s", Double(counts.memberships) / max(walk, 1e-9)))
            let limit = 200 << 20
            if let peak = mount.peakMemory() {
                table.add(
                    id, "peak memory (VmHWM) of the mount process after walking all \(counts.versions) versions", Figures.bytes(peak),
                    target: "< 200 MiB", verdict: ResultTable.verdict(peak < limit, by: Figures.bytes(peak - limit)))
            } else {
                table.add(id, "peak memory after walking all versions", "not measured", verdict: "error: the mount process is gone")
            }
            _ = waitForQuiet(emulator)
        } catch {
            table.failed(id, "cold mount and walk of every version", error)
            return
        }

        do {
            let bytes = try Self.indexBytes(cache)
            noteIndexFiles(id, cache)
            let perDistinct = Double(bytes) / Double(max(counts.distinctEntries, 1))
            let perPair = Double(bytes) / Double(max(counts.memberships, 1))
            let measured = "\(Figures.bytes(bytes)); \(String(format: "%.0f", perDistinct)) B / distinct entry, \(String(format: "%.1f", perPair)) B / pair"
            if let one = oneVersionIndex {
                let bound = 1.25 * counts.distinctRatio * Double(one) + 16 * Double(counts.memberships)
                table.add(
                    id, "index on disk after walking every version (cache folder without logs and cached volumes)",
                    measured + String(format: "; %.1fx the 1-version index", Double(bytes) / Double(max(one, 1))),
                    target: "≤ 1.25 x D x 1-version index + 16 B x M = \(Figures.bytes(Int(bound)))",
                    verdict: ResultTable.verdict(Double(bytes) <= bound, by: Figures.bytes(bytes - Int(bound))))
            } else {
                table.add(id, "index on disk after walking every version", measured, verdict: "no reference")
            }
        } catch {
            table.failed(id, "index size", error)
        }

        do {
            log("h \(dataset.name): warm remount, ls -l latest")
            let mount = try DupfsMount.mount(
                folder: dataset.folder, setup: setup, mountpoint: mountpoint, cacheDir: cache)
            defer { mount.unmount() }
            let latest = try ExternalCommand.require("ls", ["-l", "\(mountpoint)/latest/\(root)"], discardOutput: true).seconds
            let warm = mount.mountSeconds + latest
            table.add(
                id, "warm remount → `ls -l latest/\(root)`", Figures.seconds(warm), target: "< 1 s",
                verdict: ResultTable.verdict(warm < 1, by: Figures.seconds(warm - 1)))
        } catch {
            table.failed(id, "warm remount", error)
        }
    }

    /// `ls MOUNT`, timed; checks that it shows `expected` version folders and `latest`.
    private func listVersionFolders(_ mount: DupfsMount, expected: Int) throws -> Double {
        let ls = try ExternalCommand.require("ls", [mount.mountpoint])
        let names = ls.stdout.split(separator: "\n")
        guard names.count == expected + 1, names.contains("latest") else {
            throw BenchError.wrongData("the mount shows \(names.count) names for \(expected) versions and latest")
        }
        return ls.seconds
    }

    /// The files below a cache folder except logs and cached volumes (`volumes/`): what the
    /// index costs on disk, by path relative to the folder.
    /// - Throws: `BenchError.missing` when the folder does not exist.
    static func indexFiles(_ folder: String) throws -> [(path: String, bytes: Int)] {
        var info = stat()
        guard lstat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw BenchError.missing(folder) }
        var out: [(path: String, bytes: Int)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() {
            let path = folder + "/" + name
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR where name != "volumes":
                out += try indexFiles(path).map { (name + "/" + $0.path, $0.bytes) }
            case S_IFREG where !name.hasSuffix(".log") && !name.contains(".log."):
                out.append((name, Int(info.st_size)))
            default:
                break
            }
        }
        return out
    }

    /// The total of ``indexFiles(_:)``.
    static func indexBytes(_ folder: String) throws -> Int {
        try indexFiles(folder).reduce(0) { $0 + $1.bytes }
    }

    /// A note naming the files counted as a cache folder's index.
    func noteIndexFiles(_ row: String, _ folder: String) {
        guard let files = try? Self.indexFiles(folder) else { return }
        notes.append("\(row) index files: " + files.map { "\($0.path) \(Figures.bytes($0.bytes))" }.joined(separator: ", "))
    }
}
