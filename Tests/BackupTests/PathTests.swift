import Backup
import Catalog
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct PathTests {
    static func file(_ path: String, _ text: String, windows: Bool = false) -> FixtureEntry {
        FixtureEntry(path: path, content: .file(Array(text.utf8)), mode: 0o644, mtimeSeconds: 1_600_000_000, mtimeNanoseconds: 500, windows: windows)
    }

    @Test func windowsAndUNCPathsMapUnderDriveAndUNCFolders() throws {
        let entries = [
            FixtureEntry(path: "C:\\Users\\ann", content: .folder, mode: 0o755, windows: true),
            Self.file("C:\\Users\\ann\\notes.txt", "drive c", windows: true),
            Self.file("D:\\data\\report.doc", "drive d", windows: true),
            FixtureEntry(path: "\\\\server\\share\\dir", content: .folder, mode: 0o755, windows: true),
            Self.file("\\\\server\\share\\dir\\x.txt", "unc", windows: true),
            // ReadOnly on Windows: no write bit here.
            FixtureEntry(path: "C:\\Users\\ann\\locked.txt", content: .file(Array("locked".utf8)), mode: 0o444,
                         mtimeSeconds: 1_600_000_000, windows: true),
        ]
        let fixture = try BackupFixture { dir, options in
            try FixtureBackupWriter(directory: dir, options: options).addVersion(entries, time: SampleBackup.times[0])
        }
        let backup = try fixture.open()
        let version = try backup.version(0)
        let root = try backup.entry(version: version, components: [])
        #expect(try backup.catalog.children(version: version.id, parent: root.id).map(\.name) == ["C", "D", "UNC"])
        let notes = try backup.entry(version: version, components: Backup.components(ofUserPath: "C:\\Users\\ann\\notes.txt"))
        #expect(notes.storedPath == "C:\\Users\\ann\\notes.txt")
        #expect(try backup.entry(version: version, components: ["UNC", "server", "share", "dir", "x.txt"]).size == 3)
        let target = fixture.target("win")
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions()).restore(version: version, paths: [[]])
        #expect(summary.failed.isEmpty, "\(summary.failed)")
        #expect(try String(contentsOf: target.appendingPathComponent("C/Users/ann/notes.txt"), encoding: .utf8) == "drive c")
        #expect(try String(contentsOf: target.appendingPathComponent("D/data/report.doc"), encoding: .utf8) == "drive d")
        #expect(try String(contentsOf: target.appendingPathComponent("UNC/server/share/dir/x.txt"), encoding: .utf8) == "unc")
        let locked = try backup.entry(version: version, components: ["C", "Users", "ann", "locked.txt"])
        let (attributes, problem) = backup.attributes(of: locked, versionTime: version.time)
        #expect(problem == nil)
        #expect(attributes.permissions == 0o444 && attributes.windowsAttributes == "ReadOnly, Archive")
        #expect(!attributes.ownerKnown)
        let (open, _) = backup.attributes(of: try backup.entry(version: version, components: ["C", "Users", "ann", "notes.txt"]), versionTime: version.time)
        #expect(open.permissions == 0o644 && open.windowsAttributes == "Archive")
        var info = stat()
        #expect(lstat(target.appendingPathComponent("C/Users/ann/locked.txt").path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o444)
        let expected = fixture.target("win-expected")
        try materialize(entries, into: expected)
        let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(target), folderTimes: false)
        #expect(diff.isEmpty, "\(diff)")
    }

    @Test func pathsThatTryToEscapeNeverLeaveTheTarget() throws {
        let hostile = [
            Self.file("/data/ok.txt", "fine"),
            Self.file("/data/../../escape-dotdot.txt", "evil"),
            Self.file("relative/escape.txt", "evil"),
            Self.file("C:\\..\\..\\escape-win.txt", "evil", windows: true),
            Self.file("C:\\dir\\a/b.txt", "evil", windows: true),
            Self.file("/data/./dot/./x.txt", "dots are dropped"),
            Self.file("/data//double//slash.txt", "empty parts are dropped"),
        ]
        let fixture = try BackupFixture { dir, options in
            try FixtureBackupWriter(directory: dir, options: options).addVersion(hostile, time: SampleBackup.times[0])
        }
        let backup = try fixture.open()
        let box = fixture.target("box")
        let target = box.appendingPathComponent("inner")
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions()).restore(version: try backup.version(0), paths: [[]])
        #expect(summary.failed.isEmpty)
        #expect(try String(contentsOf: target.appendingPathComponent("data/ok.txt"), encoding: .utf8) == "fine")
        #expect(try String(contentsOf: target.appendingPathComponent("data/dot/x.txt"), encoding: .utf8) == "dots are dropped")
        #expect(try String(contentsOf: target.appendingPathComponent("data/double/slash.txt"), encoding: .utf8) == "empty parts are dropped")
        // Nothing next to the target, and nothing evil inside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: box.path) == ["inner"])
        let all = try TreeSnapshot.capture(target).items.values.compactMap(\.content)
        #expect(!all.contains(Array("evil".utf8)))
    }
}
