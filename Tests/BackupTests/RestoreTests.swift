import Backup
import Catalog
import Digests
import Foundation
import Testing
import TestSupport

@Suite struct RestoreTests {
    /// Restores every version of the sample and compares it with the source tree.
    /// - Parameters:
    ///   - options: how the sample is written.
    ///   - besides: writes more files into the backup folder after the sample.
    static func restoreAllVersionsMatchSource(
        _ options: FixtureOptions, besides: (URL) throws -> Void = { _ in },
        write: (URL, FixtureOptions) throws -> Void = { try SampleBackup.write(to: $0, options: $1) }
    ) throws {
        let fixture = try BackupFixture(options: options) { dir, options in
            try write(dir, options)
            try besides(dir)
        }
        let backup = try fixture.open()
        let versions = try backup.versions()
        try #require(versions.count == 3)
        let trees = SampleBackup.versions(blocksize: options.blocksize, hashSize: options.blockHash.digestSize)
        for (number, version) in versions.enumerated() {
            let tree = trees[2 - number]
            #expect(version.time == Int64(SampleBackup.times[2 - number].timeIntervalSince1970))
            #expect(version.fileCount == Int64(tree.filter { $0.fileBytes != nil }.count))
            let expected = fixture.target("expected-\(number)")
            try materialize(tree, into: expected)
            let restored = fixture.target("restored-\(number)")
            let summary = try Restorer(backup: backup, target: restored.path, options: RestoreOptions())
                .restore(version: version, paths: [[]])
            #expect(summary.failed.isEmpty, "\(summary.failed)")
            #expect(summary.attributeWarnings.isEmpty, "\(summary.attributeWarnings)")
            // (The comparison covers `user.*` attributes; make sure there were some to compare.)
            if ExtendedAttributeCalls.supportsUserAttributes(in: restored.path) {
                let photo = restored.path + "/data/sample/media/photo.jpg"
                #expect(try ExtendedAttributeCalls.get(photo, "user.binary").get() == [0x00, 0xFF, 0x80, 0x0A, 0x00, 0x7F])
                #expect(try ExtendedAttributeCalls.get(restored.path + "/data/sample/docs", "user.comment").get() == Array("notes and docs".utf8))
            }
            let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(restored), owners: getuid() == 0, folderTimes: false)
            #expect(diff.isEmpty, "version \(number): \(diff.prefix(10))")
            // The listed folders carry their times too.
            let listedFolders = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(restored), folderTimes: true)
                .filter { !$0.hasPrefix("data:") && !$0.hasPrefix("data/sample:") }
            #expect(listedFolders.isEmpty || listedFolders.allSatisfy { $0.hasPrefix("data: ") }, "\(listedFolders.prefix(5))")
        }
    }

    @Test func unencryptedSampleRestoresEveryVersionExactly() throws {
        try Self.restoreAllVersionsMatchSource(SampleBackup.defaultOptions)
    }

    @Test func aesV2SampleRestoresEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "Test-pässwörd-€")
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func aesV3SampleRestoresEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v3, passphrase: "v3 passphrase", iterations: 50)
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func aesV3MinimalHeaderRestoresEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v3, passphrase: "v3 minimal", iterations: 20)
        options.aesHeader = .minimal
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func aesV2MinimalHeaderRestoresEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "v2 minimal")
        options.aesHeader = .minimal
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func aesV2SharpAESCrypt13HeaderRestoresEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "old header")
        options.aesHeader = .createdByOnly
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func bzip2VolumesRestoreEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.compressionMethod = .bzip2
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func lzmaVolumesRestoreEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.compressionMethod = .lzma
        options.encryption = .aes(.v2, passphrase: "lzma")
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func ppmdVolumesRestoreEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.compressionMethod = .ppmd
        options.encryption = .aes(.v2, passphrase: "ppmd")
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func versionsInDifferentZipMethodsRestoreExactly() throws {
        // --zip-compression-method changed between runs: PPMd, then .NET's deflate, then ZStandard.
        try Self.restoreAllVersionsMatchSource(SampleBackup.defaultOptions, write: { directory, options in
            let writer = try FixtureBackupWriter(directory: directory, options: options)
            for (index, (tree, time)) in zip(SampleBackup.versions(), SampleBackup.times).enumerated() {
                switch index {
                case 0: writer.options.compressionMethod = .ppmd
                case 1: writer.options.compressionMethod = .deflate
                default: writer.options.compressionMethod = .zstandard
                }
                try writer.addVersion(tree, time: time)
            }
        })
    }

    @Test func zstandardVolumesRestoreEveryVersionExactly() throws {
        var options = SampleBackup.defaultOptions
        options.compressionMethod = .zstandard
        options.encryption = .aes(.v3, passphrase: "zstd", iterations: 20)
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test(arguments: [
        (HashAlgorithmName.sha1, HashAlgorithmName.sha256), (.md5, .md5), (.sha512, .sha384), (.sha384, .sha384),
    ])
    func otherHashAlgorithmsRestore(block: HashAlgorithmName, file: HashAlgorithmName) throws {
        var options = SampleBackup.defaultOptions
        options.blockHash = block.algorithm
        options.fileHash = file.algorithm
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func zip64DataDescriptorsAndLargerBlocksRestore() throws {
        var options = FixtureOptions(blocksize: 100 * 1024, volumeSize: 1 << 20)
        options.zip64 = true
        options.dataDescriptors = true
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func oldFormatWithoutFilesetOrBOMRestores() throws {
        var options = SampleBackup.defaultOptions
        options.writeFileset = false
        options.filelistBOM = false
        options.manifestVersion = 1
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func backupWithoutIndexFilesRestores() throws {
        var options = SampleBackup.defaultOptions
        options.indexPolicy = .none
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func lookupIndexPolicyRestores() throws {
        var options = SampleBackup.defaultOptions
        options.indexPolicy = .lookup
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func blocksInSeveralVolumesRestore() throws {
        var options = SampleBackup.defaultOptions
        options.deduplicate = false
        try Self.restoreAllVersionsMatchSource(options)
    }

    @Test func restoringOnePathPutsItUnderTargetAsMountShowsIt() throws {
        let fixture = try BackupFixture()
        let backup = try fixture.open()
        let target = fixture.target("one")
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions())
            .restore(version: try backup.version(0), paths: [["data", "sample", "docs", "notes"]])
        #expect(summary.failed.isEmpty)
        let leaf = try String(contentsOf: target.appendingPathComponent("data/sample/docs/notes/deep/leaf.txt"), encoding: .utf8)
        #expect(!leaf.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("data/sample/README.txt").path))
    }

    @Test func existingFilesAreKeptUnlessOverwrite() throws {
        let fixture = try BackupFixture()
        let backup = try fixture.open()
        let target = fixture.target("over")
        let readme = target.appendingPathComponent("data/sample/README.txt")
        try FileManager.default.createDirectory(at: readme.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: readme)
        let version = try backup.version(0)
        let first = try Restorer(backup: backup, target: target.path, options: RestoreOptions()).restore(version: version, paths: [["data", "sample", "README.txt"]])
        #expect(first.skipped == ["/data/sample/README.txt"])
        #expect(try String(contentsOf: readme, encoding: .utf8) == "mine")
        let second = try Restorer(backup: backup, target: target.path, options: RestoreOptions(overwrite: true)).restore(version: version, paths: [["data", "sample", "README.txt"]])
        #expect(second.files == 1)
        #expect(try String(contentsOf: readme, encoding: .utf8) != "mine")
    }

    @Test func restoreNeverFollowsASymlinkOutOfTheTarget() throws {
        let fixture = try BackupFixture()
        let backup = try fixture.open()
        let target = fixture.target("evil")
        let outside = fixture.target("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: target.appendingPathComponent("data"), withIntermediateDirectories: true)
        // A symlink planted where the restore will want a folder.
        try FileManager.default.createSymbolicLink(at: target.appendingPathComponent("data/sample"), withDestinationURL: outside)
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions(overwrite: true))
            .restore(version: try backup.version(0), paths: [[]])
        #expect(!summary.failed.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    }
}

/// Sendable names for parameterized tests.
enum HashAlgorithmName: String, Sendable, CustomTestStringConvertible {
    case md5, sha1, sha256, sha384, sha512
    var algorithm: HashAlgorithm {
        switch self {
        case .md5: .md5
        case .sha1: .sha1
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        }
    }
    var testDescription: String { rawValue }
}
