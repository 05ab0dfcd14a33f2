import Foundation
import Testing

@testable import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct MaterializeTests {
    func lstatOf(_ path: String) throws -> stat {
        var info = stat()
        try #require(lstat(path, &info) == 0, "lstat \(path)")
        return info
    }

    @Test func sampleVersionComesBackWithBytesModesTimesAndLinks() throws {
        let dir = FixtureBackupWriterTests.temporaryDirectory()
        defer {
            _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+rwx", dir.path]).waitUntilExit()
            try? FileManager.default.removeItem(at: dir)
        }
        let tree = SampleBackup.versions()[2]
        try materialize(tree, into: dir)
        for entry in tree {
            let path = dir.path + entry.path
            let info = try lstatOf(path)
            #expect(info.st_mtim.tv_sec == Int(entry.mtimeSeconds), "\(entry.path)")
            #expect(info.st_mtim.tv_nsec == Int(entry.mtimeNanoseconds), "\(entry.path)")
            if geteuid() == 0 {
                #expect(info.st_uid == entry.uid && info.st_gid == entry.gid, "\(entry.path)")
            }
            switch entry.content {
            case .folder:
                #expect(info.st_mode & S_IFMT == S_IFDIR)
                #expect(UInt32(info.st_mode) & 0o7777 == entry.mode, "\(entry.path)")
            case .file(let bytes):
                #expect(info.st_mode & S_IFMT == S_IFREG)
                #expect(UInt32(info.st_mode) & 0o7777 == entry.mode, "\(entry.path)")
                #expect(try PosixFS.readFile(path) == bytes, "\(entry.path)")
            case .symlink(let target):
                #expect(info.st_mode & S_IFMT == S_IFLNK)
                var buffer = [CChar](repeating: 0, count: 4096)
                let count = readlink(path, &buffer, buffer.count)
                try #require(count >= 0)
                #expect(buffer[0..<count].map { UInt8(bitPattern: $0) } == Array(target.utf8))
            }
        }
        // NFC and NFD twins are two files.
        #expect(try PosixFS.readFile(dir.path + "/data/sample/caf\u{E9}.txt") == Array("NFC name\n".utf8))
        #expect(try PosixFS.readFile(dir.path + "/data/sample/cafe\u{301}.txt") == Array("NFD name\n".utf8))
        let children = tree.filter {
            $0.path.hasPrefix(SampleBackup.root + "/") && !$0.path.dropFirst(SampleBackup.root.count + 1).contains("/")
        }
        #expect(try PosixFS.list(dir.path + SampleBackup.root).count == children.count)
    }

    @Test func windowsAndUncPathsMapUnderDriveAndUNCFolders() throws {
        let dir = FixtureBackupWriterTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try materialize([
            FixtureEntry(path: "C:\\Users\\x.txt", content: .file([7]), windows: true),
            FixtureEntry(path: "\\\\srv\\share\\f", content: .file([8]), windows: true),
        ], into: dir)
        #expect(try PosixFS.readFile(dir.path + "/C/Users/x.txt") == [7])
        #expect(try PosixFS.readFile(dir.path + "/UNC/srv/share/f") == [8])
    }

    @Test func readOnlyFolderIsStillFilled() throws {
        let dir = FixtureBackupWriterTests.temporaryDirectory()
        defer {
            chmod(dir.path + "/ro", 0o755)
            try? FileManager.default.removeItem(at: dir)
        }
        try materialize([
            FixtureEntry(path: "/ro", content: .folder, mode: 0o555),
            FixtureEntry(path: "/ro/f", content: .file([1]), mode: 0o444),
        ], into: dir)
        #expect(try PosixFS.readFile(dir.path + "/ro/f") == [1])
        #expect(UInt32(try lstatOf(dir.path + "/ro").st_mode) & 0o777 == 0o555)
    }
}

@Suite struct RestorePathTests {
    @Test func storedPathsMapToRelativeComponents() throws {
        #expect(try RestorePath.relative("/data/x") == ["data", "x"])
        #expect(try RestorePath.relative("/data/dir/") == ["data", "dir"])
        #expect(try RestorePath.relative("C:\\Users\\x") == ["C", "Users", "x"])
        #expect(try RestorePath.relative("C:\\Users\\") == ["C", "Users"])
        #expect(try RestorePath.relative("\\\\srv\\share\\x") == ["UNC", "srv", "share", "x"])
        #expect(try RestorePath.relative("/a\\b") == ["a\\b"])
    }

    @Test func unsafePathsAreRejected() {
        for path in ["", "/", "relative/x", "/a/../b", "/a/./b", "/a//b", "C:\\a\\..\\b", "CC:\\x", "C:\\a/b"] {
            #expect(throws: FixtureError.unsafePath(path), "\(path)") { try RestorePath.relative(path) }
        }
    }
}
