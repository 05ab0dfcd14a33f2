import Backup
import DuplicatiFormat
import Foundation
import Testing
import TestSupport

/// Tar volumes (`.tgz`, `.tzstd`; format §4.3): the `.eof-header` index, and whole backups in
/// them restored.
@Suite struct TarVolumeTests {
    static let longName = "vol/" + String(repeating: "é", count: 60) + "-b0123.dblock.zip.aes"

    static func sampleTar() -> (tar: [UInt8], entries: [(String, [UInt8])]) {
        let entries: [(String, [UInt8])] = [
            ("manifest", Array("{\"Version\":2}".utf8)),
            (longName, Array(repeating: 7, count: 1000)),
            ("a+b<c>&'\"", []),
            ("block", Array(repeating: 1, count: 512)),
        ]
        var writer = TarVolumeWriter(mtime: 1_700_000_000)
        for (name, data) in entries { writer.add(name, data) }
        return (writer.finish(), entries)
    }

    @Test func indexResolvesFullNamesAndChecksEachHeader() throws {
        let (tar, entries) = Self.sampleTar()
        #expect(Array(tar.suffix(6)) == Array("EOFHD1".utf8))
        #expect(tar.count % 512 == 0)
        // The long name is cut to 99 bytes in its header, inside a two-byte character.
        #expect(Array(Self.longName.utf8).count > 99)
        let index = try TarVolumeIndex.parse(tar)
        #expect(index.entries.map(\.name) == entries.map(\.0))
        for (entry, (_, data)) in zip(index.entries, entries) {
            #expect(Array(tar[entry.offset..<(entry.offset + entry.size)]) == data)
        }
    }

    @Test func aDamagedTrailerOrIndexIsAnError() throws {
        let (tar, _) = Self.sampleTar()
        var noTrailer = tar
        noTrailer[noTrailer.count - 1] = UInt8(ascii: "2")
        #expect(throws: DuplicatiFormatError.self) { try TarVolumeIndex.parse(noTrailer) }
        var wrongOffset = tar
        wrongOffset[tar.count - 14] ^= 0x02  // points 1 KiB off: not the .eof-header
        #expect(throws: DuplicatiFormatError.self) { try TarVolumeIndex.parse(wrongOffset) }
        var badHeader = tar
        badHeader[1024 + 10] ^= 0x01  // in the second entry's header (its name): fails its checksum
        #expect(throws: DuplicatiFormatError.self) { try TarVolumeIndex.parse(badHeader) }
        #expect(throws: DuplicatiFormatError.self) { try TarVolumeIndex.parse(Array(tar.dropLast(512))) }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func pythonsTarfileReadsTheHeaders() throws {
        let (tar, entries) = Self.sampleTar()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("v.tar").path
        try Data(tar).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        // Without end-of-archive blocks, tarfile stops at the end of the data; the trailer block is
        // not a header, so read only the members before it.
        process.arguments = ["-c", """
            import sys, tarfile
            with open(sys.argv[1], "rb") as f:
                t = tarfile.open(fileobj=f, mode="r:", ignore_zeros=False)
                for m in t:
                    print(m.size, m.mtime, oct(m.mode), len(m.name.encode("utf-8", "surrogateescape")))
            """, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == entries.count + 1, "\(output)")
        for (line, (name, data)) in zip(lines, entries) {
            #expect(line == "\(data.count) 1700000000 0o644 \(min(99, Array(name.utf8).count))", "\(name)")
        }
    }

    @Test func tgzBackupRestoresEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.container = .tgz
        try RestoreTests.restoreAllVersionsMatchSource(options)
    }

    @Test func encryptedTzstdBackupWithLongNamesRestoresEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.container = .tzstd
        options.encryption = .aes(.v2, passphrase: "tzstd")
        // A prefix this long puts every dindex's vol/<dblock name> entry past 99 bytes.
        options.prefix = "averyveryverylongbackupprefixthatnamesthemachineandthejob"
        try RestoreTests.restoreAllVersionsMatchSource(options)
    }

    @Test func mixedZipTgzAndTzstdVersionsRestoreAndVerify() throws {
        let fixture = try BackupFixture { dir, options in
            let writer = try FixtureBackupWriter(directory: dir, options: options)
            let containers: [FixtureContainer] = [.zip, .tgz, .tzstd]
            for ((tree, time), container) in zip(zip(SampleBackup.versions(), SampleBackup.times), containers) {
                writer.options.container = container
                try writer.addVersion(tree, time: time)
            }
        }
        let names = try FixtureDamage.volumeNames(in: fixture.backupDirectory)
        #expect(names.contains { $0.hasSuffix(".dblock.tgz") } && names.contains { $0.hasSuffix(".dlist.tzstd") })
        let backup = try fixture.open()
        #expect(try backup.versions().count == 3)
        let report = try Verifier(backup: backup, options: VerifyOptions(full: true)).run()
        #expect(report.isClean, "\(report.damagedVolumes) \(report.warnings)")
        let target = fixture.target("restored")
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions())
            .restore(version: try backup.version(0), paths: [[]])
        #expect(summary.failed.isEmpty, "\(summary.failed)")
        let expected = fixture.target("expected")
        try materialize(SampleBackup.versions()[2], into: expected)
        #expect(try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(target), folderTimes: false).isEmpty)
    }

    @Test func aCorruptTgzIsADamagedVolumeNamedByVerify() throws {
        var options = SampleBackup.defaultOptions
        options.container = .tgz
        let fixture = try BackupFixture(options: options)
        let dblock = try #require(try FixtureDamage.volumeNames(in: fixture.backupDirectory).first { $0.contains(".dblock.") })
        try FixtureDamage.flipByte(dblock, in: fixture.backupDirectory)
        let backup = try fixture.open()
        let report = try Verifier(backup: backup, options: VerifyOptions()).run()
        #expect(report.damagedVolumes.map(\.name) == [dblock], "\(report.damagedVolumes)")
    }
}
