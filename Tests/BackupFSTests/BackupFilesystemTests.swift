import Backup
import BackupFS
import Foundation
import FuseKit
import Logging
import Storage
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The filesystem's answers, called the way FUSE would call them, without mounting.
@Suite struct BackupFilesystemTests {
    let filesystem: BackupFilesystem

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bfs-\(UUID().uuidString)")
        try SampleBackup.write(to: root.appendingPathComponent("backup"))
        let backup = try Backup.open(
            store: LocalDirectoryStore(path: root.appendingPathComponent("backup").path),
            options: BackupOptions(cacheRoot: root.appendingPathComponent("cache").path),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        filesystem = try BackupFilesystem(backup: backup, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    func walk(_ path: String) throws -> InodeNumber {
        var inode = InodeNumber.root
        for part in path.split(separator: "/") {
            inode = try filesystem.lookup(parent: inode, name: Array(part.utf8)).attributes.inode
        }
        return inode
    }

    @Test func rootListsVersionsNewestLastAndLatest() throws {
        let names = try filesystem.readdir(inode: InodeLayout.root, handle: 0, offset: 0, plus: false).map { String(decoding: $0.entry.name, as: UTF8.self) }
        #expect(names == [".", "..", "2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-01-01T10:00:00Z", "latest"])
        #expect(try filesystem.readlink(inode: InodeLayout.latest) == Array("2024-03-01T10:00:00Z".utf8))
        #expect(throws: Errno.self) { try filesystem.lookup(parent: InodeLayout.root, name: Array("2023-01-01T00:00:00Z".utf8)) }
    }

    @Test func attributesComeFromTheMetadata() throws {
        let secret = try walk("2024-03-01T10:00:00Z/data/sample/secret.txt")
        let (attributes, _) = try filesystem.getattr(inode: secret)
        let source = SampleBackup.versions()[2].first { $0.path.hasSuffix("/secret.txt") }!
        #expect(attributes.mode == UInt32(S_IFREG) | source.mode)
        #expect(attributes.uid == source.uid && attributes.gid == source.gid)
        #expect(attributes.mtime.seconds == source.mtimeSeconds)
        #expect(attributes.mtime.nanoseconds == UInt32(source.mtimeNanoseconds))
        #expect(attributes.size == UInt64(source.fileBytes!.count))
        let link = try walk("2024-03-01T10:00:00Z/data/sample/link-relative")
        #expect(try filesystem.readlink(inode: link) == Array("docs/notes/deep/leaf.txt".utf8))
    }

    @Test func readsAcrossBlockBoundariesReturnContiguousBytes() throws {
        let source = SampleBackup.versions()[2].first { $0.path.hasSuffix("/big.bin") }!.fileBytes!
        let inode = try walk("2024-03-01T10:00:00Z/data/sample/big.bin")
        let handle = try filesystem.open(inode: inode, flags: O_RDONLY).handle
        defer { filesystem.release(inode: inode, handle: handle) }
        var generator = SeededGenerator(seed: "bfs")
        for _ in 0..<200 {
            let offset = Int.random(in: 0..<source.count + 10, using: &generator)
            let size = Int.random(in: 1...5000, using: &generator)
            let got = try filesystem.read(inode: inode, handle: handle, offset: Int64(offset), size: size)
            let expected = offset >= source.count ? [] : Array(source[offset..<min(source.count, offset + size)])
            #expect(got == expected)
        }
        #expect(throws: Errno.self) { try filesystem.open(inode: inode, flags: O_WRONLY) }
    }

    @Test func readdirResumesFromItsCookies() throws {
        let folder = try walk("2024-03-01T10:00:00Z/data/sample")
        let all = try filesystem.readdir(inode: folder, handle: 0, offset: 0, plus: true)
        var resumed: [[UInt8]] = []
        var offset: Int64 = 0
        while true {
            let page = try filesystem.readdir(inode: folder, handle: 0, offset: offset, plus: false).prefix(3)
            guard let last = page.last else { break }
            resumed += page.map(\.entry.name)
            offset = last.nextOffset
        }
        #expect(resumed == all.map(\.entry.name))
        let children = SampleBackup.versions()[2].filter {
            $0.path.hasPrefix("/data/sample/") && !$0.path.dropFirst("/data/sample/".count).contains("/")
        }
        #expect(all.count == 2 + children.count)
    }

    @Test func inodesDependOnlyOnVersionTimeAndEntry() throws {
        let a = try walk("2024-01-01T10:00:00Z/data/sample/README.txt")
        let split = try #require(InodeLayout.split(a))
        #expect(split.versionKey == InodeLayout.versionKey(time: 1_704_103_200))
        #expect(InodeLayout.inode(versionKey: split.versionKey, entryID: split.entryID) == a)
    }
}

/// The mount's background indexing: it serves after the newest file list; the rest appears.
@Suite struct BackgroundIndexingTests {
    @Test func olderVersionsAndBlockLocationsArriveWhileServing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bfs-bg-\(UUID().uuidString)")
        try SampleBackup.write(to: root.appendingPathComponent("backup"))
        var options = BackupOptions(cacheRoot: root.appendingPathComponent("cache").path)
        options.blockIndexing = .background
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let backup = try Backup.open(store: LocalDirectoryStore(path: root.appendingPathComponent("backup").path), options: options, logger: logger)
        let filesystem = try BackupFilesystem(backup: backup, logger: logger)
        // The newest version is there at once; a read waits for the locations it needs.
        let newest = try filesystem.lookup(parent: InodeLayout.root, name: Array("2024-03-01T10:00:00Z".utf8)).attributes.inode
        var inode = newest
        for part in ["data", "sample", "big.bin"] { inode = try filesystem.lookup(parent: inode, name: Array(part.utf8)).attributes.inode }
        let handle = try filesystem.open(inode: inode, flags: O_RDONLY).handle
        let source = SampleBackup.versions()[2].first { $0.path.hasSuffix("/big.bin") }!.fileBytes!
        #expect(try filesystem.read(inode: inode, handle: handle, offset: 0, size: source.count) == source)
        #expect(backup.waitForBlockIndex(timeout: 60))
        let names = try filesystem.readdir(inode: InodeLayout.root, handle: 0, offset: 0, plus: false).map { String(decoding: $0.entry.name, as: UTF8.self) }
        #expect(names == [".", "..", "2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-01-01T10:00:00Z", "latest"])
    }
}
