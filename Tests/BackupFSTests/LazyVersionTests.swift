import Backup
import BackupFS
import ByteSource
import Dispatch
import Foundation
import FuseKit
import Logging
import Storage
import Synchronization
import Testing
import TestSupport

/// A local store that records which volumes are opened.
private final class RecordingStore: BackendStore {
    let inner: LocalDirectoryStore
    let opened = Mutex<[String]>([])

    /// Opens of names containing this wait until the gate opens.
    let gated: String?
    let gate = DispatchSemaphore(value: 0)

    init(_ path: String, gated: String? = nil) {
        inner = LocalDirectoryStore(path: path)
        self.gated = gated
    }

    var displayName: String { inner.displayName }
    var identity: String { inner.identity }
    func list() throws -> [RemoteFile] { try inner.list() }
    func discardCachedData(of name: String) { inner.discardCachedData(of: name) }
    func open(_ file: RemoteFile) throws -> any ByteSource {
        opened.withLock { $0.append(file.name) }
        if let gated, file.name.contains(gated) {
            gate.wait()
            gate.signal()
        }
        return try inner.open(file)
    }

    var fileListsOpened: [String] { opened.withLock { $0 }.filter { $0.contains(".dlist.") } }
}

/// Versions whose file lists are read when first opened, as the filesystem serves them.
@Suite struct LazyVersionTests {
    let root: URL
    let backupDirectory: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("bfs-lazy-\(UUID().uuidString)")
        backupDirectory = root.appendingPathComponent("backup")
        try SampleBackup.write(to: backupDirectory)
    }

    private func mount(cache: String, gated: String? = nil) throws -> (BackupFilesystem, RecordingStore) {
        let store = RecordingStore(backupDirectory.path, gated: gated)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let backup = try Backup.open(
            store: store, options: BackupOptions(cacheRoot: root.appendingPathComponent(cache).path), logger: logger)
        return (try BackupFilesystem(backup: backup, logger: logger), store)
    }

    private static func walk(_ filesystem: BackupFilesystem, _ path: String) throws -> InodeNumber {
        var inode = InodeNumber.root
        for part in path.split(separator: "/") {
            inode = try filesystem.lookup(parent: inode, name: Array(part.utf8)).attributes.inode
        }
        return inode
    }

    private static func names(_ filesystem: BackupFilesystem, _ inode: InodeNumber) throws -> [String] {
        try filesystem.readdir(inode: inode, handle: 0, offset: 0, plus: false).dropFirst(2).map {
            String(decoding: $0.entry.name, as: UTF8.self)
        }
    }

    @Test func aColdMountShowsEveryVersionAndReadsAnOlderListOnlyWhenItIsOpened() throws {
        let (filesystem, store) = try mount(cache: "cache")
        let folders = try Self.names(filesystem, .root)
        #expect(folders == ["2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-01-01T10:00:00Z", "latest"])
        #expect(store.fileListsOpened == ["duplicati-20240301T100000Z.dlist.zip"])
        // The newest version lists from what the open read.
        let newest = try Self.names(filesystem, try Self.walk(filesystem, "2024-03-01T10:00:00Z/data/sample"))
        #expect(!newest.isEmpty)
        #expect(store.fileListsOpened == ["duplicati-20240301T100000Z.dlist.zip"])
        // The oldest one reads its list when opened, once, and lists exactly its tree.
        let oldest = try Self.walk(filesystem, "2024-01-01T10:00:00Z/data/sample")
        let listed = try Self.names(filesystem, oldest)
        #expect(store.fileListsOpened == ["duplicati-20240301T100000Z.dlist.zip", "duplicati-20240101T100000Z.dlist.zip"])
        let expected = SampleBackup.versions()[0].compactMap { entry -> [UInt8]? in
            let prefix = Array("/data/sample/".utf8)
            let path = Array(entry.path.utf8)
            guard path.starts(with: prefix), !path.dropFirst(prefix.count).contains(UInt8(ascii: "/")) else { return nil }
            return Array(path.dropFirst(prefix.count))
        }
        #expect(listed.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) })
        _ = try Self.names(filesystem, oldest)
        #expect(store.fileListsOpened.count == 2)
    }

    /// Reading an older version's list never holds the thread the request came on (a FUSE
    /// worker): the request is answered at its deadline if the list is slow, the rest of the
    /// mount goes on meanwhile, and the version reads once the list is there.
    @Test func aSlowOlderListHoldsNoRequestThreadAndMeetsTheDeadline() throws {
        let (filesystem, store) = try mount(cache: "cache", gated: "20240101T100000Z.dlist")
        let oldest = try filesystem.lookup(parent: .root, name: Array("2024-01-01T10:00:00Z".utf8)).attributes.inode
        let started = ContinuousClock.now
        // Asked with a short deadline while the list's download hangs: EIO at the deadline.
        #expect(throws: Errno(EIO)) { _ = try filesystem.answer(timeout: 0.5) { filesystem.lookup(parent: oldest, name: Array("data".utf8), reply: $0) } }
        #expect(throws: Errno(EIO)) { _ = try filesystem.answer(timeout: 0.5) { filesystem.getattr(inode: oldest, reply: $0) } }
        let asked = ContinuousClock.now - started
        #expect(asked < .seconds(5), "\(asked)")
        // Each call handed its work on and returned at once.
        let handedOn = ContinuousClock.now
        let pending = PendingReply<EntryReply>(timeout: 60) { _ in }
        filesystem.lookup(parent: oldest, name: Array("data".utf8), reply: pending)
        #expect(ContinuousClock.now - handedOn < .seconds(1))
        // The newest version is served meanwhile.
        #expect(!(try Self.names(filesystem, try Self.walk(filesystem, "2024-03-01T10:00:00Z/data/sample"))).isEmpty)
        store.gate.signal()
        let listed = try Self.names(filesystem, try Self.walk(filesystem, "2024-01-01T10:00:00Z/data/sample"))
        #expect(!listed.isEmpty)
        #expect(store.fileListsOpened.filter { $0.contains("20240101T100000Z") }.count == 1)
    }

    @Test func inodesStayTheSameAcrossRemountsWhicheverVersionWasOpenedFirst() throws {
        let paths = [
            "2024-01-01T10:00:00Z/data/sample/README.txt", "2024-01-01T10:00:00Z/data/sample/docs",
            "2024-02-01T10:00:00Z/data/sample/big.bin", "2024-03-01T10:00:00Z/data/sample/README.txt",
        ]
        // One cache opens the oldest version before the middle one, the other the other way round.
        let (first, _) = try mount(cache: "cache-a")
        let a = try paths.map { try Self.walk(first, $0) }
        let (second, _) = try mount(cache: "cache-b")
        let b = try paths.reversed().map { try Self.walk(second, $0) }.reversed()
        #expect(a == Array(b))
        #expect(Set(a).count == paths.count)
        // A remount over the first cache.
        let (again, store) = try mount(cache: "cache-a")
        #expect(try paths.map { try Self.walk(again, $0) } == a)
        #expect(store.fileListsOpened.isEmpty)
    }
}
