import Backup
import ByteSource
import Catalog
import Digests
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// Index files and dblocks that a network fault kept from being read while the index was built
/// in the background are read later: a mount recovers when the fault stops.
@Suite struct IndexRecoveryTests {
    /// A store that refuses every read of a dindex or dblock with a network error while `down`
    /// is set.
    static func outageStore(_ fixture: BackupFixture, down: Flag) -> InterposedStore {
        InterposedStore(LocalDirectoryStore(path: fixture.backupDirectory.path)) { name, _, _, _ in
            if !name.contains(".dlist.") && down.isOn { throw StorageError.network("injected outage") }
        }
    }

    @Test func blocksMissedDuringAnOutageAreFoundOnceItEnds() throws {
        let fixture = try BackupFixture()
        let down = Flag(true)
        let store = Self.outageStore(fixture, down: down)
        var options = BackupOptions(cacheRoot: fixture.cacheRoot, passphrase: fixture.passphrase)
        options.blockIndexing = .background
        let backup = try Backup.open(store: store, options: options, logger: BackupFixture.logger)
        #expect(backup.waitForBlockIndex(timeout: 60))
        let version = try backup.version(0)
        let entry = try backup.entry(version: version, components: ["data", "sample", "big.bin"])
        let expected = try #require(SampleBackup.versions()[2].first { $0.path.hasSuffix("/big.bin") }?.fileBytes)
        // During the outage the read fails (cleanly)...
        #expect(throws: (any Error).self) { try backup.read(entry, hashes: try backup.blockHashes(of: entry), offset: 0, count: expected.count) }
        // ...and after it, it succeeds with the right bytes, without reopening the backup.
        down.set(false)
        var got: [UInt8]?
        let deadline = Date().addingTimeInterval(30)
        while got == nil && Date() < deadline {
            got = try? backup.read(entry, hashes: backup.blockHashes(of: entry), offset: 0, count: expected.count)
            if got == nil { Thread.sleep(forTimeInterval: 0.5) }
        }
        #expect(got.map { $0 == expected } == true, "the read still fails after the outage ended")
        // Nothing was marked damaged: a fresh open finds every volume readable too.
        #expect(try backup.catalog.volumes().allSatisfy { $0.state != .failed })
    }

    @Test func aLastingOutageIsReportedAsANetworkErrorByCommands() throws {
        let fixture = try BackupFixture()
        let store = Self.outageStore(fixture, down: Flag(true))
        #expect {
            _ = try fixture.open(store: store)
        } throws: { error in
            if case StorageError.network = error { return true }
            return false
        }
    }

    /// A store that flips one byte in the first read of every dindex and dblock: a download
    /// damaged on the way.
    static func flakyStore(_ fixture: BackupFixture) -> InterposedStore {
        let damagedOnce = Mutex(Set<String>())
        return InterposedStore(LocalDirectoryStore(path: fixture.backupDirectory.path)) { name, _, _, data in
            guard !name.contains(".dlist."), data.count > 64 else { return }
            if damagedOnce.withLock({ $0.insert(name).inserted }) { data[data.count / 2] ^= 0x40 }
        }
    }

    @Test func volumesDamagedOnTheWayAreReadAgainNotMarkedFailed() throws {
        let fixture = try BackupFixture()
        let backup = try fixture.open(store: Self.flakyStore(fixture))
        #expect(try backup.catalog.volumes().allSatisfy { $0.state != .failed })
        let version = try backup.version(0)
        let entry = try backup.entry(version: version, components: ["data", "sample", "big.bin"])
        let expected = try #require(SampleBackup.versions()[2].first { $0.path.hasSuffix("/big.bin") }?.fileBytes)
        let got = try backup.read(entry, hashes: try backup.blockHashes(of: entry), offset: 0, count: expected.count)
        #expect(got == expected, "the file's bytes differ")
    }
    /// A store that damages every read of a dblock past its first 4 KiB the same way: the byte
    /// in the middle of what was asked for. A fault tied to a position in a response repeats
    /// identically when the same range is asked for again, so reading a directory twice alike
    /// proves nothing.
    static func samePlaceStore(_ fixture: BackupFixture) -> InterposedStore {
        InterposedStore(LocalDirectoryStore(path: fixture.backupDirectory.path)) { name, offset, _, data in
            if name.contains(".dblock."), offset >= 4096, data.count >= 64 { data[data.count / 2] ^= 0xFF }
        }
    }

    /// With and without the disk cache beneath (it rounds requests to its chunks, and `mount`
    /// keeps it on even with `--cache-size 0`).
    @Test(arguments: [false, true])
    func aDirectoryDamagedTheSameWayOnEveryReadIsNotBelieved(chunkCache: Bool) throws {
        var options = SampleBackup.defaultOptions
        options.indexPolicy = .none
        options.volumeSize = 24 << 10  // directories of a few hundred bytes: within one cache chunk
        let fixture = try BackupFixture(options: options)
        let clean = try BackupFixture(options: options).open()
        var store: any BackendStore = Self.samePlaceStore(fixture)
        if chunkCache {
            store = try DiskCachedStore(inner: store, directory: fixture.root.appendingPathComponent("chunks").path, limit: 0)
        }
        let backup = try fixture.open(store: store)
        let failed = Set(try backup.catalog.volumes().filter { $0.state == .failed }.map(\.name))
        // Every block of every file is where a clean read of the backup puts it, or in no volume
        // but a failed one: never missing from a volume whose damaged directory was believed.
        var checked = 0
        for entry in SampleBackup.versions()[2] {
            guard let bytes = entry.fileBytes else { continue }
            for start in stride(from: 0, to: bytes.count, by: options.blocksize) {
                let block = Array(bytes[start..<min(bytes.count, start + options.blocksize)])
                let hash = Data(HashAlgorithm.sha256.digest(block)).base64EncodedString()
                let expected = Set(try clean.catalog.locations(of: hash).map(\.volumeName))
                let got = Set(try backup.catalog.locations(of: hash).map(\.volumeName))
                #expect(got == expected || expected.isSubset(of: failed), "\(entry.path) @\(start): \(got) vs \(expected)")
                checked += 1
            }
        }
        #expect(checked > 10)
    }
    /// A directory read that was believed although damaged (it left a block out) must not lose
    /// the block for good: the dindex's claim is kept as doubted, and reading the block reads the
    /// directory again.
    @Test func aBlockLeftOutByABelievedDirectoryIsFoundAgain() throws {
        let fixture = try BackupFixture()
        let backup = try fixture.open()
        let version = try backup.version(0)
        let entry = try backup.entry(version: version, components: ["data", "sample", "big.bin"])
        let expected = try #require(SampleBackup.versions()[2].first { $0.path.hasSuffix("/big.bin") }?.fileBytes)
        let hashes = try backup.blockHashes(of: entry)
        let lost = try #require(hashes.first)
        let holder = try #require(try backup.catalog.locations(of: lost).first)
        // What a damaged directory said: the file's other blocks in that dblock, not this one
        // (so the dblock counts as read, and no catch-up reads its directory again).
        var others: [(hash: String, size: Int64)] = []
        for hash in Set(hashes) where hash != lost {
            if let there = try backup.catalog.locations(of: hash).first(where: { $0.volumeID == holder.volumeID }) {
                others.append((hash, there.size))
            }
        }
        try #require(!others.isEmpty)
        try backup.catalog.replaceBlocksFromDirectory(others, volumeID: holder.volumeID)
        #expect(try backup.catalog.locations(of: lost).allSatisfy(\.doubted))
        let got = try backup.read(entry, hashes: hashes, offset: 0, count: expected.count)
        #expect(got == expected)
    }
}
