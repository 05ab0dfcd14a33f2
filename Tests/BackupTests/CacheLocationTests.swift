import Foundation
import Testing

@testable import Backup
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// The cache folder and the index file: created private, and never touched in a way that would
/// drop the locks SQLite holds on the index.
@Suite struct CacheLocationTests {
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    private func temporaryRoot() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-cacheloc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    @Test func indexFileIsCreatedOwnerOnlyInAnOwnerOnlyFolder() throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = CacheLocation(root: root + "/cache", identity: "file:///backup", prefix: "duplicati")
        try cache.create()
        let path = try cache.indexPath()
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(cache.directory, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        // A second call finds it and leaves it as it is; a loosened mode is tightened again.
        chmod(path, 0o644)
        #expect(try cache.indexPath() == path)
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    /// SQLite guards the index across processes with POSIX record locks, which a process loses
    /// on ALL its descriptors of a file as soon as it closes ANY descriptor of it. `indexPath()`
    /// runs while connections are open (a second connection, the placement writer), so it must
    /// not open and close the file: another process would then find it unlocked.
    @Test(.enabled(if: python != nil, "needs python3 to take a lock from another process"))
    func indexPathKeepsThisProcesssLocksOnTheIndex() throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = CacheLocation(root: root, identity: "file:///backup", prefix: "duplicati")
        try cache.create()
        let path = try cache.indexPath()
        let fd = open(path, O_RDWR | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        try #require(fcntl(fd, F_SETLK, &lock) == 0)
        #expect(try cache.indexPath() == path)
        let script = """
            import fcntl, sys
            f = open(sys.argv[1], "r+")
            try:
                fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                print("acquired")
            except OSError:
                print("refused")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.python))
        process.arguments = ["-c", script, path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(answer.trimmingCharacters(in: .whitespacesAndNewlines) == "refused", "another process could lock the index we hold")
    }

    // MARK: Hostile co-users (see docs/reliability.md)

    static let isRoot = geteuid() == 0

    /// The path an untrusted-cache refusal names, or nil when `body` did not refuse.
    private func refusal(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch StorageError.untrustedCache(let path, _) {
            return path
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test(.enabled(if: isRoot, "needs root to give a folder to another user"))
    func aCacheRootOfAnotherUserIsRefused() throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cacheRoot = root + "/cache"
        #expect(mkdir(cacheRoot, 0o700) == 0)
        #expect(chown(cacheRoot, 65534, 65534) == 0)
        let cache = CacheLocation(root: cacheRoot, identity: "file:///backup", prefix: "duplicati")
        #expect(refusal { try cache.create() } == cacheRoot)
        #expect(!FileManager.default.fileExists(atPath: cache.directory), "nothing may be created in it")
    }

    @Test(.enabled(if: isRoot, "needs root to give a folder to another user"))
    func aBackupFolderOrIndexOfAnotherUserIsRefused() throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = CacheLocation(root: root, identity: "file:///backup", prefix: "duplicati")
        try cache.create()
        let index = try cache.indexPath()
        #expect(chown(index, 65534, 65534) == 0)
        #expect(refusal { _ = try cache.indexPath() } == index)
        #expect(chown(index, 0, 0) == 0)
        #expect(chown(cache.directory, 65534, 65534) == 0)
        #expect(refusal { try cache.create() } == cache.directory)
    }

    @Test func aFolderOthersMayWriteIsRefusedUnlessStickyAndNeverChmodded() throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Group-writable, not sticky: anyone of the group could swap the backup's folder.
        let open = root + "/open"
        #expect(mkdir(open, 0o700) == 0 && chmod(open, 0o770) == 0)
        #expect(refusal { try CacheLocation(root: open, identity: "x", prefix: "p").create() } == open)
        // A shared sticky folder (like /tmp): used as it is, with a private folder inside.
        let shared = root + "/shared"
        #expect(mkdir(shared, 0o700) == 0 && chmod(shared, 0o1777) == 0)
        let cache = CacheLocation(root: shared, identity: "x", prefix: "p")
        try cache.create()
        var info = stat()
        #expect(stat(shared, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o1777, "the mode of a folder dupfs did not create must stay as it was")
        #expect(stat(cache.directory, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test func symlinksInTheCacheAreRefusedNotFollowed() throws {
        let root = try temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let elsewhere = root + "/elsewhere"
        #expect(mkdir(elsewhere, 0o700) == 0)
        let cacheRoot = root + "/cache"
        #expect(mkdir(cacheRoot, 0o700) == 0)
        let cache = CacheLocation(root: cacheRoot, identity: "file:///backup", prefix: "duplicati")
        // The backup's folder is a symlink planted to redirect the index.
        #expect(symlink(elsewhere, cache.directory) == 0)
        #expect(refusal { try cache.create() } == cache.directory)
        #expect(unlink(cache.directory) == 0)
        // The index file is a symlink to a file of someone else.
        try cache.create()
        let victim = elsewhere + "/victim"
        _ = FileManager.default.createFile(atPath: victim, contents: Data("keep".utf8))
        #expect(symlink(victim, cache.directory + "/index.sqlite") == 0)
        #expect(refusal { _ = try cache.indexPath() } == cache.directory + "/index.sqlite")
        #expect(FileManager.default.contents(atPath: victim) == Data("keep".utf8))
        // The cache root itself as a symlink.
        let linkedRoot = root + "/linked"
        #expect(symlink(cacheRoot, linkedRoot) == 0)
        #expect(refusal { try CacheLocation(root: linkedRoot, identity: "y", prefix: "p").create() } == linkedRoot)
    }

    @Test func aRelativeRootIsMadeAbsoluteAgainstTheWorkingFolder() throws {
        let cache = CacheLocation(root: "relative-cache", identity: "x", prefix: "p")
        #expect(cache.root == FileManager.default.currentDirectoryPath + "/relative-cache")
        #expect(cache.directory.hasPrefix(cache.root + "/"))
    }
}
