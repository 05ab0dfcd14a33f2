import Foundation
import Testing
import TestSupport

/// `dupfs find`, `dupfs history` and `--time` on a five-version backup where paths change,
/// vanish, come back and change type (``HistoryFixture``).
@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct FindHistoryTimeTests {
    let root: URL
    let backup: String
    let cache: String
    let base = HistoryFixture.root

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-find-\(UUID().uuidString)")
        backup = root.appendingPathComponent("backup").path
        cache = root.appendingPathComponent("cache").path
        try HistoryFixture.write(to: URL(fileURLWithPath: backup))
    }

    func dupfs(_ arguments: [String], environment: [String: String] = [:]) throws -> DupfsProcess.Result {
        try DupfsProcess.run(arguments + ["--cache-dir", cache], environment: environment)
    }

    func jsonRows(_ result: DupfsProcess.Result) throws -> [[String: Any]] {
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result.stdout)")
    }

    func lines(_ result: DupfsProcess.Result) -> [String] {
        result.stdout.split(separator: "\n").map(String.init)
    }

    /// The stored paths of a version (Duplicati number) that satisfy a test-side predicate.
    func paths(version: Int, where keep: (FixtureEntry) -> Bool) -> [String] {
        HistoryFixture.versions()[4 - version].filter(keep).map(\.path)
    }

    // MARK: find

    @Test func findByExactNameMatchesThatNameOnlyAnywhere() throws {
        let result = try dupfs(["find", backup, "report.txt"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Set(lines(result)) == ["\(base)/docs/report.txt", "\(base)/docs/sub/report.txt"])
        #expect(lines(result).count == 2)
        // Byte-exact: the composed é does not find a decomposed one, nor a case twin.
        #expect(lines(try dupfs(["find", backup, "caf\u{E9}.txt"])) == ["\(base)/caf\u{E9}.txt"])
        #expect(try dupfs(["find", backup, "cafe\u{301}.txt"]).stdout.isEmpty)
        #expect(lines(try dupfs(["find", backup, "Report.txt"])) == ["\(base)/Report.txt"])
        #expect(lines(try dupfs(["find", backup, "docs"])) == ["\(base)/docs"])
    }

    @Test func findByGlobMatchesWholePathsWithStarCrossingSlashes() throws {
        let txt = try dupfs(["find", backup, "\(base)/*.txt"])
        #expect(txt.status == 0, "\(txt.stderr)")
        let expected = paths(version: 0) { $0.path.hasSuffix(".txt") }
        #expect(Set(lines(txt)) == Set(expected) && lines(txt).count == expected.count, "\(txt.stdout)")
        #expect(lines(txt).contains("\(base)/docs/sub/report.txt"), "* crosses /")
        let docs = try jsonRows(try dupfs(["find", backup, "*/docs/*", "--json"]))
        #expect(Set(docs.compactMap { $0["path"] as? String })
            == ["\(base)/docs/report.txt", "\(base)/docs/sub", "\(base)/docs/sub/report.txt"])
        #expect(docs.first { $0["path"] as? String == "\(base)/docs/sub" }?["type"] as? String == "folder")
        #expect(lines(try dupfs(["find", backup, "*/[Rr]eport.txt"])).count == 3)
        #expect(lines(try dupfs(["find", backup, "*/[!R]eport.txt"])).count == 2)
        #expect(lines(try dupfs(["find", backup, "/home/ann/?eport.txt"])) == ["\(base)/Report.txt"])
        #expect(lines(try dupfs(["find", backup, "\(base)/weird\\[1\\].txt"])) == ["\(base)/weird[1].txt"])
        #expect(try dupfs(["find", backup, "\(base)/weird[1].txt"]).stdout.isEmpty, "[1] is a set: it matches weird1.txt")
        #expect(try dupfs(["find", backup, "/HOME/*"]).stdout.isEmpty, "case-sensitive")
        #expect(lines(try dupfs(["find", backup, "/home"])) == ["/home"])
    }

    @Test func findWithoutMatchPrintsNothingOrAnEmptyArray() throws {
        let plain = try dupfs(["find", backup, "nothing-like-this"])
        #expect(plain.status == 0 && plain.stdout.isEmpty, "\(plain)")
        let json = try dupfs(["find", backup, "*.nothing", "--json"])
        #expect(json.status == 0)
        #expect(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        let gone = try dupfs(["find", backup, "gone.txt", "--json"])
        #expect(try jsonRows(gone).isEmpty, "only version 4 holds it")
    }

    @Test func findInAllVersionsNamesEachVersionAndItsTime() throws {
        let rows = try jsonRows(try dupfs(["find", backup, "notes.txt", "--all-versions", "--json"]))
        #expect(rows.map { $0["version"] as? Int } == [0, 2, 3, 4])
        #expect(rows.map { $0["time"] as? String } == [4, 2, 1, 0].map { HistoryFixture.timeNames[$0] })
        #expect(rows.allSatisfy { $0["path"] as? String == "\(base)/notes.txt" && $0["type"] as? String == "file" })
        #expect(rows.allSatisfy { $0.keys.sorted() == ["path", "time", "type", "version"] })
        let link = try jsonRows(try dupfs(["find", backup, "link", "--all-versions", "--json"]))
        #expect(link.map { $0["type"] as? String } == ["symlink", "symlink", "symlink", "symlink", "file"])
        let morph = try jsonRows(try dupfs(["find", backup, "morph", "--all-versions", "--json"]))
        #expect(morph.map { $0["type"] as? String } == ["folder", "file", "file", "folder", "folder"])
        // The times are those `versions` prints.
        let versions = try jsonRows(try dupfs(["versions", backup, "--json"]))
        for row in rows {
            let number = try #require(row["version"] as? Int)
            #expect(versions[number]["time"] as? String == row["time"] as? String)
        }
        let plain = lines(try dupfs(["find", backup, "gone.txt", "--all-versions"]))
        #expect(plain == ["4  2024-05-01T08:00:00Z  \(base)/gone.txt"])
        let both = try dupfs(["find", backup, "x", "--all-versions", "--version", "1"])
        #expect(both.status == 64)
        let badGlob = try dupfs(["find", backup, "/a[bc"])
        #expect(badGlob.status == 64 && badGlob.stderr.split(separator: "\n").count == 1, "\(badGlob.stderr)")
    }

    @Test func findOfOneVersion() throws {
        #expect(try jsonRows(try dupfs(["find", backup, "notes.txt", "--version", "1", "--json"])).isEmpty)
        let old = try jsonRows(try dupfs(["find", backup, "gone.txt", "--version", "4", "--json"]))
        #expect(old.map { $0["version"] as? Int } == [4])
        #expect(old.map { $0["time"] as? String } == ["2024-05-01T08:00:00Z"])
    }

    // MARK: --time

    /// The version `--time` picks, as `find --json` reports it.
    func versionAt(_ time: String, environment: [String: String] = ["TZ": "UTC"]) throws -> Int? {
        let result = try dupfs(["find", backup, "report.txt", "--time", time, "--json"], environment: environment)
        return try jsonRows(result).first?["version"] as? Int
    }

    @Test func timePicksTheNewestVersionAtOrBeforeIt() throws {
        for (index, name) in HistoryFixture.timeNames.enumerated() {
            #expect(try versionAt(name) == 4 - index, "exactly at \(name)")
            if index > 0 {
                #expect(try versionAt(name.replacingOccurrences(of: "08:00:00Z", with: "07:59:59Z")) == 5 - index, "a second before \(name)")
            }
            #expect(try versionAt(name.replacingOccurrences(of: "08:00:00Z", with: "08:00:01Z")) == 4 - index)
        }
        #expect(try versionAt("2030-01-01") == 0)
        // A date is local midnight; a time without zone is local time (TZ).
        #expect(try versionAt("2024-05-03") == 3)
        #expect(try versionAt("2024-05-03T16:59:59", environment: ["TZ": "Asia/Tokyo"]) == 3)
        #expect(try versionAt("2024-05-03T17:00:00", environment: ["TZ": "Asia/Tokyo"]) == 2)
        #expect(try versionAt("2024-05-03T10:00:00+02:00", environment: ["TZ": "Asia/Tokyo"]) == 2)
        #expect(try versionAt("2024-05-03T09:59:59+02:00") == 3)
    }

    /// The instant `--time` stood for, as the before-the-first-version error names it (in UTC).
    func instantNamed(_ time: String, zone: String) throws -> String? {
        let result = try dupfs(["ls", backup, "--time", time], environment: ["TZ": zone])
        #expect(result.status == 64, "\(result.stderr)")
        let line = result.stderr
        guard let range = line.range(of: "no version at or before ") else { return nil }
        return String(line[range.upperBound...].prefix(20))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/Europe/Berlin"), "no tzdata"))
    func localTimesFollowTheRealZonesClockChanges() throws {
        // Europe/Berlin, 2023: clocks jumped 02:00 -> 03:00 on 26 March and fell back 03:00 -> 02:00 on 29 October.
        #expect(try instantNamed("2023-03-26", zone: "Europe/Berlin") == "2023-03-25T23:00:00Z")
        #expect(try instantNamed("2023-03-26T01:59:59", zone: "Europe/Berlin") == "2023-03-26T00:59:59Z")
        #expect(try instantNamed("2023-03-26T02:30", zone: "Europe/Berlin") == "2023-03-26T01:30:00Z", "skipped: the offset before")
        #expect(try instantNamed("2023-03-26T03:00", zone: "Europe/Berlin") == "2023-03-26T01:00:00Z")
        #expect(try instantNamed("2023-10-29T02:30", zone: "Europe/Berlin") == "2023-10-29T00:30:00Z", "repeated: the earlier")
        #expect(try instantNamed("2023-10-29T03:00", zone: "Europe/Berlin") == "2023-10-29T02:00:00Z")
        #expect(try instantNamed("2023-07-01T12:00", zone: "Europe/Berlin") == "2023-07-01T10:00:00Z")
        #expect(try instantNamed("2023-07-01T12:00Z", zone: "Europe/Berlin") == "2023-07-01T12:00:00Z", "a zone wins over TZ")
        #expect(try instantNamed("2023-07-01T12:00", zone: "America/New_York") == "2023-07-01T16:00:00Z")
        #expect(try instantNamed("2023-07-01T12:00", zone: "UTC") == "2023-07-01T12:00:00Z")
    }

    @Test func timeBeforeTheFirstVersionOrWithVersionIsAUsageError() throws {
        let before = try dupfs(["ls", backup, "--time", "2024-05-01T07:59:59Z"])
        #expect(before.status == 64)
        #expect(before.stderr.contains("2024-05-01T08:00:00Z"), "names the oldest version: \(before.stderr)")
        #expect(before.stderr.split(separator: "\n").count == 1 && before.stdout.isEmpty)
        for command in [["ls", backup], ["restore", backup, "--target", root.appendingPathComponent("never").path], ["find", backup, "x"]] {
            let both = try dupfs(command + ["--time", "2024-05-03", "--version", "1"])
            #expect(both.status == 64, "\(command[0]): \(both.stderr)")
            #expect(both.stderr.split(separator: "\n").count == 1)
            let bad = try dupfs(command + ["--time", "2024-05-32"])
            #expect(bad.status == 64, "\(command[0]): \(bad.stderr)")
            #expect(bad.stderr.contains("2024-05-32") && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("never").path))
    }

    @Test func lsAndRestoreReadTheVersionTimePicks() throws {
        let listing = try jsonRows(try dupfs(["ls", backup, "\(base)/notes.txt", "--time", "2024-05-03T12:00:00Z", "--json"]))
        #expect(listing.first?["size"] as? Int == "second notes, longer\n".utf8.count)
        let target = root.appendingPathComponent("restored")
        let restored = try dupfs(["restore", backup, "\(base)/notes.txt", "--target", target.path, "--time", "2024-05-02T23:00:00+01:00"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("version 3 (2024-05-02T08:00:00Z)"), "\(restored.stdout)")
        let bytes = try Data(contentsOf: target.appendingPathComponent("home/ann/notes.txt"))
        #expect(Array(bytes) == Array("first notes\n".utf8))
    }

    // MARK: history

    @Test func historyFlagsExactlyTheVersionsWherePathsChanged() throws {
        for name in ["notes.txt", "keep.txt", "mode.txt", "link", "morph", "gone.txt", "docs/sub/report.txt", "docs", "morph/inner.txt"] {
            let path = "\(base)/\(name)"
            let rows = try jsonRows(try dupfs(["history", backup, path, "--json"]))
            let expected = HistoryFixture.changes(of: path)
            #expect(rows.map { $0["version"] as? Int } == expected.map(\.version), "\(name)")
            #expect(rows.map { $0["changed"] as? Bool } == expected.map(\.changed), "\(name)")
            for (row, held) in zip(rows, HistoryFixture.holders(of: path)) {
                #expect(row["time"] as? String == HistoryFixture.timeNames[4 - held.version])
                #expect(row["type"] as? String == (held.entry.isFolder ? "folder" : held.entry.symlinkTarget != nil ? "symlink" : "file"))
                #expect(row["size"] as? Int == held.entry.fileBytes?.count ?? 0)
                let ns = held.entry.mtimeSeconds * 1_000_000_000 + Int64(held.entry.mtimeNanoseconds)
                #expect((row["mtimeNs"] as? NSNumber)?.int64Value == ns, "\(name) v\(held.version)")
                #expect(row["mtime"] as? String != nil)
            }
        }
        // Spelled out for the liveliest one: edited (v2), deleted (v1), re-added with new bytes (v0).
        let notes = try jsonRows(try dupfs(["history", backup, "home/ann/notes.txt", "--json"]))
        #expect(notes.map { $0["version"] as? Int } == [0, 2, 3, 4])
        #expect(notes.map { $0["changed"] as? Bool } == [true, true, false, true])
        // Deleted and re-added unchanged: not a change.
        let keep = try jsonRows(try dupfs(["history", backup, "/home/ann/keep.txt", "--json"]))
        #expect(keep.map { $0["changed"] as? Bool } == [false, false, false, true])
        #expect(notes.first?["mtime"] as? String == "2023-11-14T23:20:00Z")
        #expect(notes.last?["mtime"] as? String == "2023-11-14T22:30:00.123456700Z")
    }

    @Test func historyPlainTableAndUnknownPath() throws {
        let table = try dupfs(["history", backup, "\(base)/link"])
        #expect(table.status == 0, "\(table.stderr)")
        let rows = lines(table)
        #expect(rows.count == 6 && rows[0].hasPrefix("VERSION"), "\(table.stdout)")
        #expect(rows[1].contains("2024-05-05T08:00:00Z") && rows[1].contains("symlink") && rows[1].hasSuffix("no"))
        #expect(rows[5].contains("file") && rows[5].hasSuffix("yes"))
        // /home is only an ancestor of what was backed up: the backup holds no time for it.
        let ancestor = try jsonRows(try dupfs(["history", backup, "/home", "--json"]))
        #expect(ancestor.count == 5 && ancestor.allSatisfy { $0["mtime"] is NSNull && $0["metadataMissing"] as? Bool == true })
        #expect(ancestor.map { $0["changed"] as? Bool } == [false, false, false, false, true])
        let missing = try dupfs(["history", backup, "\(base)/never-there"])
        #expect(missing.status == 64)
        #expect(missing.stderr.split(separator: "\n").count == 1 && missing.stderr.contains("never-there"), "\(missing.stderr)")
    }
}
