#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import FuseKit
import Synchronization

/// An in-memory, immutable tree implementing ``LowLevelFilesystem`` for mount tests.
final class ToyFilesystem: LowLevelFilesystem {
    enum Content: Sendable {
        case file([UInt8])
        case directory([(name: [UInt8], inode: InodeNumber)])
        case symlink([UInt8])
    }

    struct Node: Sendable {
        let attributes: FileAttributes
        let content: Content
        /// Reads of this file fail with EIO (a damaged volume, say).
        let failsReads: Bool
        /// How reads of this file are answered.
        var pace: Pace = .atOnce
    }

    /// When a read is answered.
    enum Pace: Sendable {
        /// On the calling thread.
        case atOnce
        /// From another thread, after this many seconds.
        case later(Double)
        /// Never: FuseKit's deadline must answer it.
        case never
    }

    let nodes: [InodeNumber: Node]
    /// How many readdirplus references FuseKit reported.
    let countedLookups = Mutex(0)
    /// Whether getxattr/listxattr answer ENOSYS ("no extended attributes at all") instead of
    /// the protocol's default (ENODATA, empty list).
    let xattrsUnsupported: Bool
    /// How many getxattr and listxattr requests reached the filesystem.
    let xattrRequests = Mutex(0)

    static let manyCount = 5_000
    static let largeSize = 3 * 1024 * 1024 + 123

    /// Deterministic content: every file's bytes differ from every other's.
    static func bytes(seed: UInt64, count: Int) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// Names in the root directory and their expected content, for the tests.
    static let nfc: [UInt8] = Array("caf\u{E9}".utf8)  // c a f C3 A9
    static let nfd: [UInt8] = [0x63, 0x61, 0x66, 0x65, 0xCC, 0x81]  // c a f e + combining acute

    /// Reads answered by nobody so far (FuseKit's deadline answers them).
    let unanswered = Mutex(0)

    /// Creates the tree.
    /// - Parameters:
    ///   - xattrsUnsupported: answer ENOSYS to xattr requests.
    ///   - slowFiles: add `late.txt` (answered from another thread after 0.2 s) and
    ///     `silent.bin` (reads never answered) to the root.
    init(xattrsUnsupported: Bool = false, slowFiles: Bool = false) {
        self.xattrsUnsupported = xattrsUnsupported
        var nodes: [InodeNumber: Node] = [:]
        var next: InodeNumber = 2
        func add(_ content: Content, mode: UInt32, failsReads: Bool = false, pace: Pace = .atOnce) -> InodeNumber {
            let inode = next
            next += 1
            let size: UInt64
            switch content {
            case .file(let bytes): size = UInt64(bytes.count)
            case .symlink(let target): size = UInt64(target.count)
            case .directory: size = 4096
            }
            let attributes = FileAttributes(
                inode: inode, mode: mode, nlink: 1, uid: 0, gid: 0, size: size,
                mtime: FileTimestamp(seconds: 1_700_000_000 + Int64(inode), nanoseconds: 123_456_789))
            nodes[inode] = Node(attributes: attributes, content: content, failsReads: failsReads, pace: pace)
            return inode
        }
        func file(_ bytes: [UInt8], failsReads: Bool = false) -> InodeNumber {
            add(.file(bytes), mode: UInt32(S_IFREG) | 0o444, failsReads: failsReads)
        }
        let readme = file(Array("read me\n".utf8))
        var docsChildren: [(name: [UInt8], inode: InodeNumber)] = [(Array("readme.md".utf8), readme)]
        let docs = add(.directory([]), mode: UInt32(S_IFDIR) | 0o555)

        var manyChildren: [(name: [UInt8], inode: InodeNumber)] = []
        for index in 0..<Self.manyCount {
            let name = Array("entry-\(String(index + 100_000).dropFirst()) \(index % 7 == 0 ? "x" : "y")".utf8)
            manyChildren.append((name, file(name)))
        }
        let many = add(.directory([]), mode: UInt32(S_IFDIR) | 0o555)

        var rootChildren: [(name: [UInt8], inode: InodeNumber)] = [
            (Array("empty.txt".utf8), file([])),
            (Array("small.txt".utf8), file(Array("Hello, FUSE!\n".utf8))),
            (Array("large.bin".utf8), file(Self.bytes(seed: 42, count: Self.largeSize))),
            (Array("link".utf8), add(.symlink(Array("small.txt".utf8)), mode: UInt32(S_IFLNK) | 0o777)),
            (Array("name with spaces.txt".utf8), file(Array("spaces\n".utf8))),
            (Self.nfc, file(Array("precomposed\n".utf8))),
            (Self.nfd, file(Array("decomposed\n".utf8))),
            (Array("broken.bin".utf8), file(Self.bytes(seed: 7, count: 10_000), failsReads: true)),
            (Array("docs".utf8), docs),
            (Array("many".utf8), many),
        ]
        if slowFiles {
            rootChildren.append((Array("late.txt".utf8), add(.file(Array("late\n".utf8)), mode: UInt32(S_IFREG) | 0o444, pace: .later(0.2))))
            rootChildren.append((Array("silent.bin".utf8), add(.file([1, 2, 3]), mode: UInt32(S_IFREG) | 0o444, pace: .never)))
        }
        // Directories get . and .. (the kernel does not add them).
        docsChildren = [(Array(".".utf8), docs), (Array("..".utf8), .root)] + docsChildren
        manyChildren = [(Array(".".utf8), many), (Array("..".utf8), .root)] + manyChildren
        rootChildren = [(Array(".".utf8), .root), (Array("..".utf8), .root)] + rootChildren
        nodes[docs] = Node(attributes: nodes[docs]!.attributes, content: .directory(docsChildren), failsReads: false)
        nodes[many] = Node(attributes: nodes[many]!.attributes, content: .directory(manyChildren), failsReads: false)
        nodes[.root] = Node(
            attributes: FileAttributes(inode: .root, mode: UInt32(S_IFDIR) | 0o555, nlink: 2, size: 4096),
            content: .directory(rootChildren), failsReads: false)
        self.nodes = nodes
    }

    /// The node reached by a path of names from the root, for expectations.
    func node(at names: [[UInt8]]) -> Node? {
        var current = nodes[.root]
        for name in names {
            guard case .directory(let children)? = current?.content,
                let child = children.first(where: { $0.name == name })
            else { return nil }
            current = nodes[child.inode]
        }
        return current
    }

    // MARK: LowLevelFilesystem

    var readdirplusTimeout: Double { 5 }

    func lookup(parent: InodeNumber, name: [UInt8], reply: PendingReply<EntryReply>) {
        reply.answer { () throws(Errno) -> EntryReply in
            guard let directory = nodes[parent] else { throw Errno(ENOENT) }
            guard case .directory(let children) = directory.content else { throw Errno(ENOTDIR) }
            guard let child = children.first(where: { $0.name == name }), let node = nodes[child.inode] else {
                throw Errno(ENOENT)
            }
            return EntryReply(attributes: node.attributes, attributeTimeout: 5, entryTimeout: 5)
        }
    }

    func lookupCounted(inode: InodeNumber) {
        countedLookups.withLock { $0 += 1 }
    }

    func getattr(inode: InodeNumber, reply: PendingReply<(FileAttributes, timeout: Double)>) {
        guard let node = nodes[inode] else { return reply.fail(Errno(ENOENT)) }
        reply.succeed((node.attributes, timeout: 5))
    }

    func readlink(inode: InodeNumber, reply: PendingReply<[UInt8]>) {
        guard case .symlink(let target)? = nodes[inode]?.content else { return reply.fail(Errno(EINVAL)) }
        reply.succeed(target)
    }

    func open(inode: InodeNumber, flags: Int32, reply: PendingReply<OpenReply>) {
        guard let node = nodes[inode] else { return reply.fail(Errno(ENOENT)) }
        guard case .file = node.content else { return reply.fail(Errno(EISDIR)) }
        reply.succeed(OpenReply(handle: inode &* 1000, keepCache: true))
    }

    func read(inode: InodeNumber, handle: UInt64, offset: Int64, size: Int, reply: PendingReply<[UInt8]>) {
        guard handle == inode &* 1000, let node = nodes[inode], case .file(let bytes) = node.content else {
            return reply.fail(Errno(EBADF))
        }
        if node.failsReads { return reply.fail(Errno(EIO)) }
        let start = Int(min(offset, Int64(bytes.count)))
        let answer = Array(bytes[start..<min(bytes.count, start + size)])
        switch node.pace {
        case .atOnce:
            reply.succeed(answer)
        case .later(let seconds):
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { reply.succeed(answer) }
        case .never:
            unanswered.withLock { $0 += 1 }
        }
    }

    func opendir(inode: InodeNumber) throws(Errno) -> UInt64 {
        guard let node = nodes[inode] else { throw Errno(ENOENT) }
        guard case .directory = node.content else { throw Errno(ENOTDIR) }
        return inode
    }

    func readdir(
        inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool, limit: Int,
        reply: PendingReply<[(entry: DirectoryEntry, nextOffset: Int64)]>
    ) {
        guard case .directory(let children)? = nodes[inode]?.content else { return reply.fail(Errno(ENOTDIR)) }
        guard offset >= 0, offset < Int64(children.count) else { return reply.succeed([]) }
        reply.succeed(children.indices.dropFirst(Int(offset)).compactMap { index in
            guard let node = nodes[children[index].inode] else { return nil }
            return (DirectoryEntry(name: children[index].name, attributes: node.attributes), Int64(index + 1))
        })
    }

    func getxattr(inode: InodeNumber, name: [UInt8], size: Int, reply: PendingReply<[UInt8]>) {
        xattrRequests.withLock { $0 += 1 }
        reply.fail(Errno(xattrsUnsupported ? ENOSYS : ENODATA))
    }

    func listxattr(inode: InodeNumber, size: Int, reply: PendingReply<[UInt8]>) {
        xattrRequests.withLock { $0 += 1 }
        if xattrsUnsupported { return reply.fail(Errno(ENOSYS)) }
        reply.succeed([])
    }

    func statfs() -> FilesystemStatistics {
        FilesystemStatistics(blockSize: 4096, blocks: 1000, blocksFree: 0, files: UInt64(nodes.count), filesFree: 0)
    }
}
