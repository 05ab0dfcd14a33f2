import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A backup of many versions (issue H): every version must stay exact, whatever the index does
/// to share entries between versions or to read file lists late. The newest, the oldest and
/// versions in between are compared file by file with the generator's trees, through the
/// mount and through `dupfs ls --version N -R`.
@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable, "needs /dev/fuse, fusermount3 and the built dupfs"))
final class ManyVersionsMountTests {
    let root: URL
    let backup: URL
    let mountpoint: URL
    let cache: String
    let shape: ChurningTree.Shape
    let counts: ManyVersionBackup.Counts

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-many-versions")
        backup = root.appendingPathComponent("backup")
        mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        cache = root.appendingPathComponent("cache").path
        var shape = ChurningTree.Shape(files: 300, versions: 12, seed: 3)
        shape.filesPerFolder = 20
        shape.foldersPerGroup = 6
        // Fast churn, so that a handful of versions differ in many files: a version served
        // from another version's entries shows up.
        shape.changed = 0.05
        shape.added = 0.03
        shape.deleted = 0.02
        self.shape = shape
        // 1 KiB blocks: files of up to 1.5 KiB take one or two blocks (a blocklist).
        var options = FixtureOptions(blocksize: 1024, volumeSize: 48 << 10)
        options.seed = 11
        counts = try ManyVersionBackup.write(shape, to: backup, options: options).counts
    }

    deinit {
        MountHarness.unmount(mountpoint.path)
        try? FileManager.default.removeItem(at: root)
    }

    /// The versions compared: oldest, two in between, newest (indexes, 0 = oldest).
    var comparedVersions: [Int] { [0, 4, 7, shape.versions - 1] }

    @Test func mountedVersionsEqualTheirSourceTrees() throws {
        let result = try DupfsProcess.run(["mount", "file://" + backup.path, mountpoint.path, "--cache-dir", cache])
        #expect(result.status == 0, "\(result.stderr)")
        defer { MountHarness.unmount(mountpoint.path) }
        let names = try FileManager.default.contentsOfDirectory(atPath: mountpoint.path).sorted()
        let formatter = ISO8601DateFormatter()
        let expectedNames = (0..<shape.versions).map { formatter.string(from: shape.time(ofVersion: $0)) }
        #expect(names == expectedNames + ["latest"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: mountpoint.appendingPathComponent("latest").path) == expectedNames.last)

        var trees: [Int: TreeSnapshot] = [:]
        for index in comparedVersions {
            let expected = root.appendingPathComponent("expected-\(index)")
            try materialize(ChurningTree.entries(shape, version: index), into: expected)
            let source = try TreeSnapshot.capture(expected.appendingPathComponent("bench"))
            trees[index] = source
            let mounted = try TreeSnapshot.capture(mountpoint.appendingPathComponent(expectedNames[index]).appendingPathComponent("bench"))
            let diff = source.differences(from: mounted, owners: getuid() == 0)
            #expect(diff.isEmpty, "version \(index) (\(expectedNames[index])): \(diff.count) differences: \(diff.prefix(8))")
            #expect(mounted.items.count == source.items.count)
        }
        // The compared versions really differ, so a version served from another one's entries fails above.
        let oldest = try #require(trees[0]), newest = try #require(trees[shape.versions - 1])
        #expect(oldest.differences(from: newest).count > 30)

        // Again from the index left in the cache folder, in another order.
        MountHarness.unmount(mountpoint.path)
        let again = try DupfsProcess.run(["mount", "file://" + backup.path, mountpoint.path, "--cache-dir", cache])
        #expect(again.status == 0, "\(again.stderr)")
        for index in [7, 0] {
            let mounted = try TreeSnapshot.capture(mountpoint.appendingPathComponent(expectedNames[index]).appendingPathComponent("bench"))
            let diff = try #require(trees[index]).differences(from: mounted, owners: getuid() == 0)
            #expect(diff.isEmpty, "remounted, version \(index): \(diff.count) differences: \(diff.prefix(8))")
        }
    }

    @Test func recursiveListingOfEachVersionMatchesItsTree() throws {
        let versions = try DupfsProcess.run(["versions", "file://" + backup.path, "--json", "--cache-dir", cache])
        #expect(versions.status == 0, "\(versions.stderr)")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(versions.stdout.utf8)) as? [[String: Any]])
        let formatter = ISO8601DateFormatter()
        #expect(listed.map { $0["time"] as? String } == (0..<shape.versions).reversed().map { formatter.string(from: shape.time(ofVersion: $0)) })
        #expect(listed.first?["files"] as? Int == counts.newestFiles)
        for index in comparedVersions {
            let number = shape.versions - 1 - index
            let result = try DupfsProcess.run(["ls", "file://" + backup.path, "--version", String(number), "-R", "--json", "--cache-dir", cache])
            #expect(result.status == 0, "\(result.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            var listed: [String: [String: Any]] = [:]
            for row in rows {
                if let path = row["path"] as? String { listed[path] = row }
            }
            let tree = ChurningTree.entries(shape, version: index)
            var expected = Set(["bench"])
            for entry in tree {
                let path = try RestorePath.relative(entry.path).joined(separator: "/")
                expected.insert(path)
                guard let row = listed[path] else { continue }
                #expect(row["type"] as? String == (entry.isFolder ? "folder" : "file"), "\(path)")
                #expect(row["size"] as? Int == (entry.fileBytes?.count ?? 0), "\(path) in version \(number)")
                #expect(row["mode"] as? String == String(entry.mode, radix: 8), "\(path) in version \(number)")
                #expect(
                    (row["mtimeNs"] as? NSNumber)?.int64Value == entry.mtimeSeconds * 1_000_000_000 + Int64(entry.mtimeNanoseconds),
                    "\(path) in version \(number)")
            }
            let missing = expected.subtracting(listed.keys).sorted()
            let extra = Set(listed.keys).subtracting(expected).sorted()
            #expect(missing.isEmpty && extra.isEmpty, "version \(number): missing \(missing.prefix(5)), unexpected \(extra.prefix(5))")
            #expect(rows.count == listed.count, "version \(number): a path listed twice")
        }
        // The generator's counts describe these versions.
        let newest = ChurningTree.entries(shape, version: shape.versions - 1)
        #expect(counts.newestEntries == newest.count)
    }
}
