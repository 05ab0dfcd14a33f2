import BackupFS
import Dispatch
import FuseKit
import Synchronization

/// The filesystem's requests asked as the kernel would, waiting for their answers: each gets a
/// pending reply with a deadline and the caller blocks until it is answered (by the filesystem
/// or by the deadline, as FuseKit would).
extension BackupFilesystem {
    static let testDeadline: Double = 60

    func answer<Value: Sendable>(timeout: Double = testDeadline, _ ask: (PendingReply<Value>) -> Void) throws(Errno) -> Value {
        let box = Mutex<Result<Value, Errno>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let reply = PendingReply<Value>(timeout: timeout) { result in
            box.withLock { $0 = result }
            done.signal()
        }
        ask(reply)
        if done.wait(timeout: reply.deadline) == .timedOut { reply.expire(); done.wait() }
        return try box.withLock { $0! }.get()
    }

    func lookup(parent: InodeNumber, name: [UInt8]) throws(Errno) -> EntryReply {
        try answer { lookup(parent: parent, name: name, reply: $0) }
    }

    func getattr(inode: InodeNumber) throws(Errno) -> (FileAttributes, timeout: Double) {
        try answer { getattr(inode: inode, reply: $0) }
    }

    func readlink(inode: InodeNumber) throws(Errno) -> [UInt8] {
        try answer { readlink(inode: inode, reply: $0) }
    }

    func open(inode: InodeNumber, flags: Int32) throws(Errno) -> OpenReply {
        try answer { open(inode: inode, flags: flags, reply: $0) }
    }

    func read(inode: InodeNumber, handle: UInt64, offset: Int64, size: Int) throws(Errno) -> [UInt8] {
        try answer { read(inode: inode, handle: handle, offset: offset, size: size, reply: $0) }
    }

    func readdir(inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool, limit: Int = 512) throws(Errno)
        -> [(entry: DirectoryEntry, nextOffset: Int64)]
    {
        try answer { readdir(inode: inode, handle: handle, offset: offset, plus: plus, limit: limit, reply: $0) }
    }

    func getxattr(inode: InodeNumber, name: [UInt8], size: Int) throws(Errno) -> [UInt8] {
        try answer { getxattr(inode: inode, name: name, size: size, reply: $0) }
    }

    func listxattr(inode: InodeNumber, size: Int) throws(Errno) -> [UInt8] {
        try answer { listxattr(inode: inode, size: size, reply: $0) }
    }
}
