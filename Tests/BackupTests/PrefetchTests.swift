import Backup
import Foundation
import Storage
import Testing
import TestSupport

@Suite struct PrefetchTests {
    @Test(arguments: [false, true])
    func prefetchReadsNeighbouringBlocksTogetherAndVerifiesThem(encrypted: Bool) throws {
        var options = SampleBackup.defaultOptions
        options.volumeSize = 1 << 20
        if encrypted { options.encryption = .aes(.v2, passphrase: "pw") }
        let fixture = try BackupFixture(options: options)
        _ = try fixture.open()
        let store = CountingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let backup = try fixture.open(store: store)
        let version = try backup.version(0)
        let big = try backup.entry(version: version, components: ["data", "sample", "big.bin"])
        let hashes = try backup.blockHashes(of: big)
        let readsBefore = store.reads.withLock { $0 }
        backup.prefetch(hashes)
        let prefetchReads = store.reads.withLock { $0 } - readsBefore
        // Per volume: the AES header and trailer, the zip directory, then a few coalesced reads.
        #expect(prefetchReads < hashes.count / 4, "\(prefetchReads) reads for \(hashes.count) blocks")
        let afterPrefetch = store.reads.withLock { $0 }
        let content = try backup.read(big, hashes: hashes, offset: 0, count: Int(big.size))
        #expect(store.reads.withLock { $0 } == afterPrefetch, "every block came from the cache")
        let source = SampleBackup.versions()[2].first { $0.path.hasSuffix("/big.bin") }!.fileBytes!
        #expect(content == source)
    }

    @Test func folderMetadataIsFetchedInOneGo() throws {
        let fixture = try BackupFixture()
        _ = try fixture.open()
        let store = CountingStore(LocalDirectoryStore(path: fixture.backupDirectory.path))
        let backup = try fixture.open(store: store)
        let version = try backup.version(0)
        let folder = try backup.entry(version: version, components: ["data", "sample"])
        let children = try backup.catalog.children(version: version.id, parent: folder.id)
        backup.prefetchMetadata(of: children)
        let reads = store.reads.withLock { $0 }
        #expect(reads < children.count / 2, "\(reads) reads for \(children.count) entries")
        for child in children { _ = try backup.metadata(of: child) }
        #expect(store.reads.withLock { $0 } == reads)
    }
}
