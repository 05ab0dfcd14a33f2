import Foundation
import Testing

@testable import Backup

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

    @Test func aRelativeRootIsMadeAbsoluteAgainstTheWorkingFolder() throws {
        let cache = CacheLocation(root: "relative-cache", identity: "x", prefix: "p")
        #expect(cache.root == FileManager.default.currentDirectoryPath + "/relative-cache")
        #expect(cache.directory.hasPrefix(cache.root + "/"))
    }
}
