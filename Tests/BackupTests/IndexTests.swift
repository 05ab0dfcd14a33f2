import Backup
import Catalog
import Foundation
import Storage
import Synchronization
import ByteSource
import Testing
import TestSupport

@Suite struct IndexTests {
    @Test func secondOpenReadsNoVolumeWhenNothingChanged() throws {
        let fixture = try BackupFixture()
        let first = CountingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        _ = try fixture.open(store: first)
        #expect(!first.opens.withLock { $0 }.isEmpty)
        let second = CountingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let backup = try fixture.open(store: second)
        #expect(second.opens.withLock { $0 }.isEmpty)
        #expect(try backup.versions().count == 3)
    }

    @Test func encryptedSecondOpenChecksThePassphraseWithOneHeader() throws {
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "pw")
        let fixture = try BackupFixture(options: options)
        _ = try fixture.open()
        let second = CountingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        _ = try fixture.open(store: second)
        #expect(second.opens.withLock { $0 }.count == 1)
        #expect(second.bytes.withLock { $0 } < 4096)
        #expect(throws: BackupError.self) { try fixture.open(passphrase: "wrong") }
    }

    @Test func newVersionIsIndexedIncrementally() throws {
        let fixture = try BackupFixture { dir, options in
            let writer = try FixtureBackupWriter(directory: dir, options: options)
            try writer.addVersion(SampleBackup.versions()[0], time: SampleBackup.times[0])
        }
        #expect(try fixture.open().versions().count == 1)
        // A later backup run adds volumes with fresh names (another seed for the GUIDs).
        var options = SampleBackup.defaultOptions
        options.seed = 99
        let writer = try FixtureBackupWriter(directory: fixture.backupDirectory, options: options)
        try writer.addVersion(SampleBackup.versions()[1], time: SampleBackup.times[1])
        let store = CountingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let backup = try fixture.open(store: store)
        #expect(try backup.versions().count == 2)
        let opened = store.opens.withLock { $0 }
        #expect(!opened.contains { $0.contains("20240101T100000Z") })
        #expect(opened.contains { $0.contains("20240201T100000Z") })
    }

    @Test func deletedVersionDisappearsFromTheIndex() throws {
        let fixture = try BackupFixture()
        #expect(try fixture.open().versions().count == 3)
        try FixtureDamage.deleteVolume("duplicati-20240101T100000Z.dlist.zip", in: fixture.backupDirectory)
        let versions = try fixture.open().versions()
        #expect(versions.count == 2)
        #expect(versions.last?.volumeName == "duplicati-20240201T100000Z.dlist.zip")
    }

    @Test func interruptedIndexBuildIsResumedNotTrusted() throws {
        let fixture = try BackupFixture()
        // A store that fails after a few volumes, as a killed process or a network fault would.
        final class FailingStore: BackendStore {
            let inner: LocalDirectoryStore
            let budget = Synchronization.Mutex(2)
            init(_ inner: LocalDirectoryStore) { self.inner = inner }
            var displayName: String { inner.displayName }
            var identity: String { inner.identity }
            func list() throws -> [RemoteFile] { try inner.list() }
            func open(_ file: RemoteFile) throws -> any ByteSource {
                let left = budget.withLock { b -> Int in b -= 1; return b }
                if left < 0 { throw StorageError.network("injected") }
                return try inner.open(file)
            }
        }
        let failing = FailingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        _ = try? fixture.open(store: failing)
        let backup = try fixture.open()
        #expect(try backup.versions().count == 3)
        let target = fixture.target("after-interrupt")
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions()).restore(version: try backup.version(0), paths: [[]])
        #expect(summary.failed.isEmpty)
    }

    @Test func cacheFoldersAreOwnerOnly() throws {
        let fixture = try BackupFixture()
        let backup = try fixture.open()
        var info = stat()
        #expect(stat(backup.cache.directory, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(stat(backup.cache.directory + "/index.sqlite", &info) == 0)
        #expect(info.st_mode & 0o077 == 0)
    }

    @Test func twoBackupsNeverShareAnIndex() throws {
        let a = CacheLocation(root: "/c", identity: "file:///x", prefix: "duplicati")
        let b = CacheLocation(root: "/c", identity: "file:///y", prefix: "duplicati")
        let c = CacheLocation(root: "/c", identity: "file:///x", prefix: "other")
        #expect(Set([a.directory, b.directory, c.directory]).count == 3)
    }

    @Test func rangeReadsReturnTheSourceBytes() throws {
        let fixture = try BackupFixture()
        let backup = try fixture.open()
        let version = try backup.version(0)
        let tree = SampleBackup.versions()[2]
        var generator = SeededGenerator(seed: "ranges")
        for item in tree {
            guard let bytes = item.fileBytes, bytes.count > 0 else { continue }
            let entry = try backup.entry(version: version, components: try RestorePath.relative(item.path))
            let hashes = try backup.blockHashes(of: entry)
            for _ in 0..<20 {
                let offset = Int.random(in: 0..<bytes.count, using: &generator)
                let count = Int.random(in: 1...3000, using: &generator)
                let got = try backup.read(entry, hashes: hashes, offset: Int64(offset), count: count)
                #expect(got == Array(bytes[offset..<min(bytes.count, offset + count)]), "\(item.path) at \(offset)+\(count)")
            }
            #expect(try backup.read(entry, hashes: hashes, offset: Int64(bytes.count), count: 10).isEmpty)
        }
    }
}
