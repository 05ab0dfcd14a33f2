import Foundation
import Testing
import TestSupport

/// `dupfs versions` on a cold cache (issue H): every version is shown from its dlist's name at
/// once; counts are read only when asked to (`--counts`) or when the unread lists are few and
/// small, and never made up for a list not read.
@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct LazyVersionsCommandTests {
    let root: URL
    let backup: String
    let cache: String
    let shape: ChurningTree.Shape
    let counts: ManyVersionBackup.Counts

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-lazy-versions-\(UUID().uuidString)")
        backup = root.appendingPathComponent("backup").path
        cache = root.appendingPathComponent("cache").path
        // More versions than `versions` reads unasked.
        var shape = ChurningTree.Shape(files: 40, versions: 20, seed: 5)
        shape.filesPerFolder = 10
        shape.foldersPerGroup = 2
        shape.added = 0.05
        shape.deleted = 0.02
        self.shape = shape
        var options = FixtureOptions(blocksize: 1024, volumeSize: 48 << 10)
        options.seed = 4
        counts = try ManyVersionBackup.write(shape, to: URL(fileURLWithPath: backup), options: options).counts
    }

    func versionsJSON(_ extra: [String] = []) throws -> (rows: [[String: Any]], stderr: String) {
        let result = try DupfsProcess.run(["versions", "file://" + backup, "--json", "--cache-dir", cache] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result.stdout)")
        return (rows, result.stderr)
    }

    @Test func aColdCacheShowsEveryVersionAndOnlyTheCountsItHasRead() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let formatter = ISO8601DateFormatter()
        let times = (0..<shape.versions).reversed().map { formatter.string(from: shape.time(ofVersion: $0)) }

        let cold = try versionsJSON()
        #expect(cold.rows.map { $0["time"] as? String } == times)
        // The newest list is read (every command opens it); the others are not, and say so.
        #expect(cold.rows.first?["files"] as? Int == counts.newestFiles)
        #expect(cold.rows.first?["fileListRead"] as? Bool == true)
        for row in cold.rows.dropFirst() {
            #expect(row["fileListRead"] as? Bool == false)
            #expect(row["files"] is NSNull, "\(row)")
            #expect(row["size"] is NSNull, "\(row)")
        }
        #expect(cold.stderr.contains("counts of \(shape.versions - 1) versions are not known yet"), "\(cold.stderr)")

        let text = try DupfsProcess.run(["versions", "file://" + backup, "--cache-dir", cache])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == shape.versions + 1)
        #expect(lines.last?.split(separator: " ", omittingEmptySubsequences: true).suffix(2) == ["-", "-"])

        let all = try versionsJSON(["--counts"])
        #expect(all.rows.count == shape.versions)
        #expect(all.rows.allSatisfy { $0["fileListRead"] as? Bool == true && $0["files"] is Int })
        #expect(all.stderr.isEmpty || !all.stderr.contains("not known yet"))
        // Every count differs from a made-up one: the oldest holds fewer files than the newest.
        let files = all.rows.compactMap { $0["files"] as? Int }
        #expect(files.count == shape.versions)
        #expect(Set(files).count > 1)

        // Read once, known from the index afterwards.
        let warm = try versionsJSON()
        #expect(warm.rows.compactMap { $0["files"] as? Int } == files)
    }
}
