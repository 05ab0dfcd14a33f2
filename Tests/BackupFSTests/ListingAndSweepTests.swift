import Backup
import BackupFS
import ByteSource
@testable import Catalog
import Foundation
import FuseKit
import Logging
import Storage
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A local store that counts the reads reaching it, and can stall reads of dblocks (storage
/// that does not answer).
private final class CountingStore: BackendStore {
    let inner: LocalDirectoryStore
    let reads = Mutex(0)
    /// While set, reads of dblock volumes wait.
    let stalled = Mutex(false)

    init(_ path: String) { inner = LocalDirectoryStore(path: path) }

    var displayName: String { inner.displayName }
    var identity: String { inner.identity }
    func list() throws -> [RemoteFile] { try inner.list() }
    func discardCachedData(of name: String) { inner.discardCachedData(of: name) }
    func open(_ file: RemoteFile) throws -> any ByteSource { Counted(inner: try inner.open(file), store: self, name: file.name) }

    struct Counted: ByteSource {
        let inner: any ByteSource
        let store: CountingStore
        let name: String
        var size: Int64 { inner.size }
        func read(at offset: Int64, count: Int) throws -> [UInt8] {
            while name.contains(".dblock.") && store.stalled.withLock({ $0 }) { usleep(10_000) }
            store.reads.withLock { $0 += 1 }
            return try inner.read(at: offset, count: count)
        }
    }
}

/// A backup opened over a counting store, with its filesystem.
private struct Mounted {
    let backup: Backup
    let filesystem: BackupFilesystem
    let store: CountingStore

    static func open(_ directory: URL, cache: URL) throws -> Mounted {
        let store = CountingStore(directory.path)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let backup = try Backup.open(store: store, options: BackupOptions(cacheRoot: cache.path), logger: logger)
        return Mounted(backup: backup, filesystem: try BackupFilesystem(backup: backup, logger: logger), store: store)
    }

    func walk(_ path: String) throws -> InodeNumber {
        var inode = InodeNumber.root
        for part in path.split(separator: "/") {
            inode = try filesystem.lookup(parent: inode, name: Array(part.utf8)).attributes.inode
        }
        return inode
    }

    /// The children of a folder of the newest version, with their metadata as the index holds it.
    func indexed(_ components: [String]) throws -> [EntryWithMetadata] {
        let version = try backup.version(0)
        let folder = try backup.entry(version: version, components: components)
        return try backup.catalog.childrenWithMetadata(version: version.id, parent: folder.id)
    }
}

/// Listing with attributes (`readdirplus`), lookups, extended attributes and sweeps, called the
/// way FUSE calls them, without mounting.
@Suite struct ListingAndSweepTests {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("bfs-list-\(UUID().uuidString)")
    }

    private func sample() throws -> URL {
        let directory = root.appendingPathComponent("backup")
        try SampleBackup.write(to: directory)
        return directory
    }

    @Test func readdirplusAttributesEqualLookupGetattrAndTheSourceTree() throws {
        let mounted = try Mounted.open(try sample(), cache: root.appendingPathComponent("cache"))
        let folder = try mounted.walk("2024-03-01T10:00:00Z/data/sample")
        // Twice: the first listing fetches the metadata, the second answers from the index alone.
        for _ in 0..<2 {
            let listed = try mounted.filesystem.readdir(inode: folder, handle: 0, offset: 0, plus: true).dropFirst(2)
            let sources = SampleBackup.versions()[2].filter {
                $0.path.hasPrefix("/data/sample/") && !$0.path.dropFirst("/data/sample/".count).contains("/")
            }
            #expect(listed.count == sources.count)
            for (entry, _) in listed {
                let name = String(decoding: entry.name, as: UTF8.self)
                let looked = try mounted.filesystem.lookup(parent: folder, name: entry.name).attributes
                let (fetched, timeout) = try mounted.filesystem.getattr(inode: entry.attributes.inode)
                #expect(entry.attributes == looked, "\(name)")
                #expect(entry.attributes == fetched, "\(name)")
                #expect(timeout == BackupFilesystem.cacheTimeout)
                let source = try #require(sources.first { Array($0.path.utf8) == Array(("/data/sample/" + name).utf8) }, "\(name)")
                let type: UInt32 = source.isFolder ? UInt32(S_IFDIR) : source.symlinkTarget != nil ? UInt32(S_IFLNK) : UInt32(S_IFREG)
                #expect(entry.attributes.mode & UInt32(S_IFMT) == type, "\(name)")
                if source.symlinkTarget == nil { #expect(entry.attributes.mode & 0o7777 == source.mode, "\(name)") }
                #expect(entry.attributes.uid == source.uid && entry.attributes.gid == source.gid, "\(name)")
                #expect(entry.attributes.mtime.seconds == source.mtimeSeconds, "\(name)")
                #expect(entry.attributes.mtime.nanoseconds == UInt32(source.mtimeNanoseconds), "\(name)")
                if let bytes = source.fileBytes { #expect(entry.attributes.size == UInt64(bytes.count), "\(name)") }
                if let target = source.symlinkTarget { #expect(entry.attributes.size == UInt64(target.utf8.count), "\(name)") }
            }
        }
        #expect(mounted.filesystem.readdirplusTimeout == BackupFilesystem.cacheTimeout)
    }

    @Test func storageThatDoesNotAnswerGivesNamesOnlyAndEIONeverPlaceholders() throws {
        let mounted = try Mounted.open(try sample(), cache: root.appendingPathComponent("cache"))
        let fs = mounted.filesystem
        let folder = try mounted.walk("2024-03-01T10:00:00Z/data/sample")
        #expect(try mounted.indexed(["data", "sample"]).contains(where: \.metadataPending))
        mounted.store.stalled.withLock { $0 = true }
        // The listing answers before its deadline: every name, attributes only where known.
        let listed = try fs.answer(timeout: 2) { fs.readdir(inode: folder, handle: 0, offset: 0, plus: true, limit: 512, reply: $0) }
            .dropFirst(2)
        let indexed = try mounted.indexed(["data", "sample"])
        #expect(Set(listed.map { String(decoding: $0.entry.name, as: UTF8.self) }) == Set(indexed.map(\.entry.name)))
        for (entry, _) in listed {
            let item = try #require(indexed.first { Array($0.entry.name.utf8) == entry.name })
            #expect(entry.attributesKnown == !item.metadataPending, "\(item.entry.name)")
        }
        #expect(listed.contains { !$0.entry.attributesKnown })
        // A lookup of such an entry is answered EIO at its deadline: no made-up attributes.
        let pending = try #require(indexed.first { $0.metadataPending && $0.entry.kind == .file })
        #expect(throws: Errno(EIO)) { try fs.answer(timeout: 1) { fs.lookup(parent: folder, name: Array(pending.entry.name.utf8), reply: $0) } }
        // Storage back: the backed-up attributes.
        mounted.store.stalled.withLock { $0 = false }
        let found = try fs.lookup(parent: folder, name: Array(pending.entry.name.utf8)).attributes
        let source = try #require(SampleBackup.versions()[2].first { $0.path == "/data/sample/" + pending.entry.name })
        #expect(found.mode & 0o7777 == source.mode && found.mtime.seconds == source.mtimeSeconds)
        #expect(found.mtime.nanoseconds == UInt32(source.mtimeNanoseconds))
    }

    @Test func aColdListingOfAThousandFilesCostsAHandfulOfReads() throws {
        var entries = [FixtureEntry(path: "/data/big", content: .folder)]
        for index in 0..<1000 {
            entries.append(FixtureEntry(
                path: "/data/big/f-\(index).txt", content: .file(Array("file \(index)\n".utf8)), mode: 0o640,
                mtimeSeconds: 1_700_000_000 + Int64(index), mtimeNanoseconds: Int32(index * 100)))
        }
        let directory = root.appendingPathComponent("thousand")
        _ = try FixtureBackupWriter(directory: directory, options: FixtureOptions(blocksize: 4096, volumeSize: 8 << 20))
            .addVersion(entries, time: Date(timeIntervalSince1970: 1_709_287_200))
        let mounted = try Mounted.open(directory, cache: root.appendingPathComponent("cache"))
        let folder = try mounted.walk("2024-03-01T10:00:00Z/data/big")
        let before = mounted.store.reads.withLock { $0 }
        // As the kernel lists: pages of a few dozen entries with attributes, each from the last cookie.
        var offset: Int64 = 0
        var listed: [DirectoryEntry] = []
        while true {
            let page = try mounted.filesystem.readdir(inode: folder, handle: 0, offset: offset, plus: true, limit: 25)
            guard let last = page.last else { break }
            listed += page.map(\.entry).filter { $0.name != [46] && $0.name != [46, 46] }
            offset = last.nextOffset
        }
        let reads = mounted.store.reads.withLock { $0 } - before
        #expect(listed.count == 1000)
        #expect(listed.allSatisfy { $0.attributesKnown })
        for entry in listed {
            let index = Int(String(decoding: entry.name, as: UTF8.self).dropFirst(2).dropLast(4))!
            #expect(entry.attributes.mode & 0o7777 == 0o640 && entry.attributes.mtime.seconds == 1_700_000_000 + Int64(index))
            #expect(entry.attributes.mtime.nanoseconds == UInt32(index * 100))
        }
        // A handful of reads for the whole folder's metadata, not one per file.
        #expect(reads <= 12, "\(reads) reads")
    }

    @Test func windowsReadOnlyFilesHaveNoWriteBit() throws {
        let directory = root.appendingPathComponent("windows")
        let entries = [
            FixtureEntry(path: "C:\\Users\\ann", content: .folder, mode: 0o755, windows: true),
            FixtureEntry(path: "C:\\Users\\ann\\locked.txt", content: .file(Array("locked".utf8)), mode: 0o444,
                         mtimeSeconds: 1_600_000_000, mtimeNanoseconds: 1_234_500, windows: true),
            FixtureEntry(path: "C:\\Users\\ann\\open.txt", content: .file(Array("open".utf8)), mode: 0o644,
                         mtimeSeconds: 1_600_000_001, windows: true),
        ]
        _ = try FixtureBackupWriter(directory: directory, options: FixtureOptions()).addVersion(entries, time: SampleBackup.times[0])
        let mounted = try Mounted.open(directory, cache: root.appendingPathComponent("cache"))
        let name = "2024-01-01T10:00:00Z"
        let folder = try mounted.walk(name + "/C/Users/ann")
        let listed = try mounted.filesystem.readdir(inode: folder, handle: 0, offset: 0, plus: true).dropFirst(2)
        let modes = Dictionary(uniqueKeysWithValues: listed.map { (String(decoding: $0.entry.name, as: UTF8.self), $0.entry.attributes.mode & 0o7777) })
        #expect(modes == ["locked.txt": 0o444, "open.txt": 0o644])
        let locked = try mounted.filesystem.getattr(inode: try mounted.walk(name + "/C/Users/ann/locked.txt")).0
        #expect(locked.mode & 0o222 == 0)
        #expect(locked.mtime.seconds == 1_600_000_000 && locked.mtime.nanoseconds == 1_234_500)
    }

    @Test func extendedAttributesAreTheBackedUpOnes() throws {
        let mounted = try Mounted.open(try sample(), cache: root.appendingPathComponent("cache"))
        let fs = mounted.filesystem
        let base = "2024-03-01T10:00:00Z/data/sample/"
        // Looked up alone: the metadata of photo.jpg is decoded on the way.
        let photo = try mounted.walk(base + "media/photo.jpg")
        #expect(try fs.listxattr(inode: photo, size: 0) == Array("user.mime_type\0user.binary\0".utf8))
        #expect(try fs.getxattr(inode: photo, name: Array("user.binary".utf8), size: 0) == [0x00, 0xFF, 0x80, 0x0A, 0x00, 0x7F])
        #expect(try fs.getxattr(inode: photo, name: Array("user.mime_type".utf8), size: 0) == Array("image/jpeg".utf8))
        #expect(throws: Errno(ENODATA)) { try fs.getxattr(inode: photo, name: Array("user.missing".utf8), size: 0) }
        // Asked of every entry by `ls -l`: "not supported" when absent, so `ls` stops asking.
        #expect(throws: Errno(EOPNOTSUPP)) { try fs.getxattr(inode: photo, name: Array("system.posix_acl_access".utf8), size: 0) }
        #expect(throws: Errno(EOPNOTSUPP)) { try fs.getxattr(inode: photo, name: Array("security.selinux".utf8), size: 0) }
        let empty = try mounted.walk(base + "empty.txt")
        #expect(try fs.getxattr(inode: empty, name: Array("user.empty".utf8), size: 0) == [])
        #expect(try fs.listxattr(inode: empty, size: 0) == Array("user.empty\0".utf8))
        let docs = try mounted.walk(base + "docs")
        #expect(try fs.getxattr(inode: docs, name: Array("user.comment".utf8), size: 0) == Array("notes and docs".utf8))
        // Entries without attributes, the mount's own nodes, a version's folder.
        for path in [base + "README.txt", base + "link-relative", base + "docs/notes", "2024-03-01T10:00:00Z", "latest"] {
            let inode = try mounted.walk(path)
            #expect(try fs.listxattr(inode: inode, size: 0) == [], "\(path)")
            #expect(throws: Errno(ENODATA), "\(path)") { try fs.getxattr(inode: inode, name: Array("user.comment".utf8), size: 0) }
        }
        #expect(try fs.listxattr(inode: InodeNumber.root, size: 0) == [])
        #expect(throws: Errno(ENOENT)) { try fs.listxattr(inode: InodeLayout.inode(versionKey: 999, entryID: 5), size: 0) }
    }

    @Test func extendedAttributesOfAnUndecodedEntryAreFetched() throws {
        let mounted = try Mounted.open(try sample(), cache: root.appendingPathComponent("cache"))
        let folder = try mounted.walk("2024-03-01T10:00:00Z/data/sample/media")
        // readdir without attributes: the inode is known, its metadata not decoded yet.
        let listed = try mounted.filesystem.readdir(inode: folder, handle: 0, offset: 0, plus: false).dropFirst(2)
        let photo = try #require(listed.first { $0.entry.name == Array("photo.jpg".utf8) }).entry.attributes.inode
        #expect(try mounted.indexed(["data", "sample", "media"]).allSatisfy(\.metadataPending))
        #expect(try mounted.filesystem.getxattr(inode: photo, name: Array("user.mime_type".utf8), size: 0) == Array("image/jpeg".utf8))
        #expect(try mounted.indexed(["data", "sample", "media"]).allSatisfy { !$0.metadataPending })
        #expect(try mounted.filesystem.listxattr(inode: photo, size: 0) == Array("user.mime_type\0user.binary\0".utf8))
    }

    @Test func entriesListedWithoutAttributesAreAnsweredFromMemory() throws {
        let mounted = try Mounted.open(try sample(), cache: root.appendingPathComponent("cache"))
        let folder = try mounted.walk("2024-03-01T10:00:00Z/data/sample")
        let listed = try mounted.filesystem.readdir(inode: folder, handle: 0, offset: 0, plus: true).dropFirst(2)
        let readme = try #require(listed.first { $0.entry.name == Array("README.txt".utf8) }).entry.attributes.inode
        // The index is emptied: an answer can only come from what the listing left in memory.
        try mounted.backup.catalog.withState { try $0.connection.execute("DELETE FROM xattrs; DELETE FROM metadata; DELETE FROM entries") }
        #expect(throws: Errno(ENODATA)) { try mounted.filesystem.getxattr(inode: readme, name: Array("user.x".utf8), size: 0) }
        #expect(try mounted.filesystem.listxattr(inode: readme, size: 0) == [])
        let docs = try #require(listed.first { $0.entry.name == Array("docs".utf8) }).entry.attributes.inode
        #expect(throws: Errno(ENOENT)) { try mounted.filesystem.listxattr(inode: docs, size: 0) }
    }

    @Test func aLoneLookupFetchesOnlyItsOwnMetadataAndASecondOneTheFolders() throws {
        let mounted = try Mounted.open(try sample(), cache: root.appendingPathComponent("cache"))
        let sampleFolder = ["data", "sample"]
        #expect(try mounted.indexed(sampleFolder).allSatisfy { $0.entry.metahash == nil || $0.metadataPending })
        let readsBefore = mounted.store.reads.withLock { $0 }
        let readme = try mounted.walk("2024-03-01T10:00:00Z/data/sample/README.txt")
        let readsForOne = mounted.store.reads.withLock { $0 } - readsBefore
        // Only README.txt among the folder's children has its metadata now.
        let decoded = try mounted.indexed(sampleFolder).filter { $0.entry.metahash != nil && !$0.metadataPending }
        #expect(decoded.map(\.entry.name) == ["README.txt"])
        let (attributes, _) = try mounted.filesystem.getattr(inode: readme)
        let source = SampleBackup.versions()[2].first { $0.path == "/data/sample/README.txt" }!
        #expect(attributes.mtime.seconds == source.mtimeSeconds && attributes.mode & 0o7777 == source.mode)
        // (`sample` itself and README.txt: a handful of reads, not one per volume of the folder.)
        #expect(readsForOne <= 12, "\(readsForOne) reads")
        // A second child looked up in the same folder: the whole folder's metadata is fetched.
        _ = try mounted.walk("2024-03-01T10:00:00Z/data/sample/secret.txt")
        let deadline = Date().addingTimeInterval(20)
        while try mounted.indexed(sampleFolder).contains(where: \.metadataPending), Date() < deadline { usleep(20_000) }
        #expect(try !mounted.indexed(sampleFolder).contains(where: \.metadataPending))
    }

    /// A folder of `count` one-block files (1–3 KiB each, 4 KiB blocks, spread over many small volumes).
    private func manyFiles(_ count: Int) throws -> (URL, [FixtureEntry]) {
        var generator = SeededGenerator(seed: "sweep")
        var entries = [FixtureEntry(path: "/data/many", content: .folder)]
        for index in 0..<count {
            let bytes = generator.bytes(1024 + Int(generator.next() % 2048))
            entries.append(FixtureEntry(path: "/data/many/file-\(String(index + 1000).dropFirst()).bin", content: .file(bytes),
                                        mtimeSeconds: 1_700_000_000 + Int64(index)))
        }
        entries.append(FixtureEntry(path: "/data/many/sub", content: .folder))
        let directory = root.appendingPathComponent("many")
        let writer = try FixtureBackupWriter(directory: directory, options: FixtureOptions(blocksize: 4096, volumeSize: 32 << 10))
        _ = try writer.addVersion(entries, time: Date(timeIntervalSince1970: 1_709_287_200))
        return (directory, entries)
    }

    private func readWhole(_ mounted: Mounted, _ inode: InodeNumber, size: Int) throws -> [UInt8] {
        let handle = try mounted.filesystem.open(inode: inode, flags: O_RDONLY).handle
        defer { mounted.filesystem.release(inode: inode, handle: handle) }
        return try mounted.filesystem.read(inode: inode, handle: handle, offset: 0, size: size + 1)
    }

    @Test func openingFilesInNameOrderFetchesTheNextOnesAhead() throws {
        let (directory, entries) = try manyFiles(150)
        let files = entries.filter { $0.fileBytes != nil }
        let mounted = try Mounted.open(directory, cache: root.appendingPathComponent("cache"))
        let folder = try mounted.walk("2024-03-01T10:00:00Z/data/many")
        var inodes: [InodeNumber] = []
        for file in files {
            inodes.append(try mounted.filesystem.lookup(parent: folder, name: Array(file.path.split(separator: "/").last!.utf8)).attributes.inode)
        }
        // Two files in name order: a sweep; the next ones are fetched in the background.
        for index in 0..<2 {
            #expect(try readWhole(mounted, inodes[index], size: files[index].fileBytes!.count) == files[index].fileBytes!)
        }
        #expect(mounted.filesystem.waitForBackgroundFetches(timeout: 30))
        let readsAfterStart = mounted.store.reads.withLock { $0 }
        // The next files are read from memory; the sweep keeps fetching ahead of the reader.
        for index in 2..<files.count {
            #expect(try readWhole(mounted, inodes[index], size: files[index].fileBytes!.count) == files[index].fileBytes!)
            // Up to here no refill has started yet: nothing but the first batch was read.
            if index == 2 + FolderSweepWindow.files / 2 - 1 {
                #expect(mounted.store.reads.withLock { $0 } == readsAfterStart, "files within the first window came from memory")
            }
            #expect(mounted.filesystem.waitForBackgroundFetches(timeout: 30))
        }
        let readsPerFile = Double(mounted.store.reads.withLock { $0 } - readsAfterStart) / Double(files.count - 2)
        #expect(readsPerFile < 0.7, "\(readsPerFile) storage reads per file")
    }

    @Test func filesOpenedOutOfOrderFetchNothingAhead() throws {
        let (directory, entries) = try manyFiles(40)
        let files = entries.filter { $0.fileBytes != nil }
        let mounted = try Mounted.open(directory, cache: root.appendingPathComponent("cache"))
        let folder = try mounted.walk("2024-03-01T10:00:00Z/data/many")
        func inode(_ index: Int) throws -> InodeNumber {
            try mounted.filesystem.lookup(parent: folder, name: Array(files[index].path.split(separator: "/").last!.utf8)).attributes.inode
        }
        for index in [7, 3, 30, 12] {
            #expect(try readWhole(mounted, try inode(index), size: files[index].fileBytes!.count) == files[index].fileBytes!)
        }
        #expect(mounted.filesystem.waitForBackgroundFetches(timeout: 30))
        let readsBefore = mounted.store.reads.withLock { $0 }
        #expect(try readWhole(mounted, try inode(13), size: files[13].fileBytes!.count) == files[13].fileBytes!)
        #expect(mounted.store.reads.withLock { $0 } > readsBefore, "file 13 was not fetched ahead")
    }
}

/// The sweep window as the tests see it (mirrors the filesystem's constant).
private enum FolderSweepWindow {
    static let files = 64
}
