import Backup
import Digests
import Foundation
import Testing
import TestSupport

@Suite struct VerifierTests {
    static func verify(_ fixture: BackupFixture, _ options: VerifyOptions = VerifyOptions()) throws -> VerifyReport {
        try Verifier(backup: try fixture.open(), options: options).run()
    }

    static func mountPath(_ stored: String) throws -> String {
        "/" + (try RestorePath.relative(stored)).joined(separator: "/")
    }

    @Test(arguments: [false, true])
    func healthySampleGivesACleanReport(encrypted: Bool) throws {
        var options = SampleBackup.defaultOptions
        if encrypted { options.encryption = .aes(.v2, passphrase: "pw") }
        let (fixture, writer) = try DamageTests.sample(options)
        let report = try Self.verify(fixture)
        #expect(report.isClean)
        #expect(report.damagedVolumes.isEmpty, "\(report.damagedVolumes)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.totalVolumesChecked == writer.volumeNames.count)
        #expect(report.volumesChecked["dlist"] == 3)
        let onDisk = try FixtureDamage.volumeNames(in: fixture.backupDirectory).map {
            try FixtureDamage.readVolume($0, in: fixture.backupDirectory).count
        }.reduce(0, +)
        #expect(report.volumeBytes == Int64(onDisk))
        #expect(report.versions.map(\.number) == [0, 1, 2])
        for version in report.versions {
            let tree = SampleBackup.versions()[2 - version.number]
            #expect(version.files == tree.filter { $0.fileBytes != nil }.count)
            #expect(version.bytes == Int64(tree.compactMap { $0.fileBytes?.count }.reduce(0, +)))
            #expect(version.affected.isEmpty)
        }
    }

    @Test func fullCheckOfAHealthySampleRebuildsEveryFile() throws {
        let (fixture, _) = try DamageTests.sample()
        let report = try Self.verify(fixture, VerifyOptions(full: true))
        #expect(report.full)
        #expect(report.isClean, "\(report.versions.flatMap(\.affected))")
    }

    @Test func volumesAboveTheMemoryLimitAreCheckedFromATemporaryFile() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "pw")
        let (fixture, writer) = try DamageTests.sample(options)
        let big = DamageTests.bigFile()
        let dblock = try #require(writer.dblockName(holding: writer.blockHashes(of: big.fileBytes!)[3]))
        try FixtureDamage.flipByte(dblock, in: fixture.backupDirectory)
        var verify = VerifyOptions()
        verify.memoryLimit = 1024
        let report = try Self.verify(fixture, verify)
        #expect(report.damagedVolumes.contains { $0.name == dblock && $0.reason.contains("HMAC") })
        #expect(report.damagedVolumes.allSatisfy { $0.name == dblock })
        let left = try FileManager.default.subpathsOfDirectory(atPath: fixture.cacheRoot).filter { $0.hasSuffix(".part") }
        #expect(left.isEmpty)
    }

    @Test(.enabled(if: SharedTestdata.available, "../shared/testdata is absent (a user's clone)"))
    func backupWrittenByDuplicatiVerifiesCleanWithoutWarnings() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("verify-shared-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let backup = try SharedBackupTests.open(cache: work)
        let report = try Verifier(backup: backup, options: VerifyOptions(full: true)).run()
        #expect(report.isClean, "\(report.damagedVolumes) \(report.versions.flatMap(\.affected).prefix(5))")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.versions.count == 3)
        #expect(report.versions.allSatisfy { $0.files > 100 })
    }

    @Test func onlyTheChosenVersionIsChecked() throws {
        let (fixture, _) = try DamageTests.sample()
        let report = try Self.verify(fixture, VerifyOptions(version: 1))
        #expect(report.versions.map(\.number) == [1])
        #expect(report.volumesChecked["dlist"] == 3)
        #expect(throws: BackupError.self) { try Self.verify(fixture, VerifyOptions(version: 3)) }
    }

    /// Per version, the files whose data blocks or blocklists lie in `dblock`.
    static func filesNeeding(_ dblock: String, writer: FixtureBackupWriter) throws -> [Set<String>] {
        let perList = writer.options.hashesPerBlocklist
        return try (0..<3).map { number in
            var paths = Set<String>()
            for entry in SampleBackup.versions()[2 - number] {
                guard let bytes = entry.fileBytes else { continue }
                let hashes = writer.blockHashes(of: bytes)
                var needed = hashes
                if hashes.count > 1 {
                    for start in stride(from: 0, to: hashes.count, by: perList) {
                        needed.append(writer.options.blockHash.digest(hashes[start..<min(start + perList, hashes.count)].flatMap { $0 }))
                    }
                }
                if needed.contains(where: { writer.dblockName(holding: $0) == dblock }) {
                    paths.insert(try mountPath(entry.path))
                }
            }
            return paths
        }
    }

    @Test(arguments: [false, true])
    func deletedDblockAffectsExactlyTheFilesThatNeedItInEachVersion(full: Bool) throws {
        let (fixture, writer) = try DamageTests.sample()
        // The block of big.bin that changed in the second backup: versions 0 and 1 need it, 2 doesn't.
        let changed = SampleBackup.versions()[1].first { $0.path.hasSuffix("/big.bin") }!.fileBytes!
        let hash = writer.blockHashes(of: changed)[35]
        let dblock = try #require(writer.dblockName(holding: hash))
        let expected = try Self.filesNeeding(dblock, writer: writer)
        #expect(expected[0].contains("/data/sample/big.bin"))
        #expect(expected[0] != expected[2], "the test wants a dblock that versions need differently")
        try FixtureDamage.deleteVolume(dblock, in: fixture.backupDirectory)

        let report = try Self.verify(fixture, VerifyOptions(full: full))
        #expect(!report.isClean)
        #expect(report.unavailableBlocks > 0)
        let missing = try #require(report.damagedVolumes.first { $0.name == dblock })
        #expect(missing.reason.contains("missing"))
        for version in report.versions {
            let byPath = Dictionary(version.affected.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
            for path in expected[version.number] {
                let entry = byPath[path]
                #expect(entry != nil && !(entry?.reason.hasPrefix("metadata:") ?? true), "version \(version.number): \(path) not reported")
            }
            for entry in version.affected where !expected[version.number].contains(entry.path) {
                // Only their metadata blob can have lived in that dblock.
                #expect(entry.reason.hasPrefix("metadata:") && !entry.reason.contains(";"), "version \(version.number): \(entry.path) wrongly affected: \(entry.reason)")
            }
            #expect(version.affectedCount == version.affected.count)
            #expect(version.affectedCount < version.entries)
        }
    }

    @Test func flippedByteInAnEncryptedDblockIsReportedAsAnHMACFailure() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "pw")
        let (fixture, writer) = try DamageTests.sample(options)
        let big = DamageTests.bigFile()
        let dblock = try #require(writer.dblockName(holding: writer.blockHashes(of: big.fileBytes!)[3]))
        try FixtureDamage.flipByte(dblock, in: fixture.backupDirectory)
        let report = try Self.verify(fixture)
        #expect(!report.isClean)
        let damaged = report.damagedVolumes.filter { $0.name == dblock }
        #expect(damaged.contains { $0.reason.contains("HMAC") }, "\(damaged)")
        #expect(damaged.contains { $0.reason.contains("blocks fail their check") }, "\(damaged)")
        #expect(report.damagedVolumes.allSatisfy { $0.name == dblock }, "\(report.damagedVolumes)")
    }

    @Test func truncatedDlistIsReportedAndTheOtherVersionsAreChecked() throws {
        let (fixture, _) = try DamageTests.sample()
        let dlist = "duplicati-20240201T100000Z.dlist.zip"
        try FixtureDamage.truncate(dlist, in: fixture.backupDirectory, to: -100)
        let report = try Self.verify(fixture)
        #expect(!report.isClean)
        #expect(report.damagedVolumes.map(\.name) == [dlist], "\(report.damagedVolumes)")
        // Its version is still checked, as damaged; the two others are intact.
        #expect(report.versions.count == 3)
        #expect(report.versions.map { $0.damage != nil } == [false, true, false])
        #expect(report.versions.allSatisfy { $0.affectedCount == 0 })
    }

    @Test func lyingIndexFileIsOnlyAWarning() throws {
        let (fixture, writer) = try DamageTests.sample()
        // Another backup with the same seed names its first dblock and dindex alike, but its
        // index lists other blocks: put that dindex in place of ours.
        let other = fixture.target("other")
        let otherWriter = try FixtureBackupWriter(directory: other, options: SampleBackup.defaultOptions)
        var entry = FixtureEntry(path: "/elsewhere/x.bin", content: .file((0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) }))
        entry.ownerName = "x"
        try otherWriter.addVersion([entry], time: SampleBackup.times[0])
        let dblock = try #require(writer.volumeNames.first { $0.contains(".dblock.") })
        let index = try #require(writer.dindexName(for: dblock))
        #expect(otherWriter.dindexName(for: dblock) == index, "the fixture's GUIDs changed: pick another way to fake a lying index")
        try FixtureDamage.replaceVolume(index, in: fixture.backupDirectory, with: FixtureDamage.readVolume(index, in: other))

        let report = try Self.verify(fixture)
        #expect(report.isClean, "\(report.damagedVolumes) \(report.versions.flatMap(\.affected))")
        #expect(report.warnings.contains { $0.volume == index && $0.message.contains(dblock) }, "\(report.warnings)")
    }

    @Test func indexFileNamingADeletedDblockThatNothingNeedsIsAWarning() throws {
        let (fixture, writer) = try DamageTests.sample()
        // An extra index file describing a dblock that is gone (an interrupted compact).
        let other = fixture.target("other")
        var options = SampleBackup.defaultOptions
        options.seed = 7
        let otherWriter = try FixtureBackupWriter(directory: other, options: options)
        try otherWriter.addVersion([FixtureEntry(path: "/elsewhere/y.bin", content: .file(Array(repeating: 9, count: 3000)))], time: SampleBackup.times[0])
        let otherBlock = try #require(otherWriter.volumeNames.first { $0.contains(".dblock.") })
        let otherIndex = try #require(otherWriter.dindexName(for: otherBlock))
        #expect(!writer.volumeNames.contains(otherIndex))
        try FixtureDamage.replaceVolume(otherIndex, in: fixture.backupDirectory, with: FixtureDamage.readVolume(otherIndex, in: other))

        let report = try Self.verify(fixture)
        #expect(report.isClean, "\(report.damagedVolumes)")
        #expect(report.warnings.contains { $0.volume == otherBlock && $0.message.contains("not in the folder") }, "\(report.warnings)")
    }
}
