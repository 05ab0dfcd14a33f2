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

/// A backup whose oldest version was written as 7z volumes, read through the filesystem: the
/// newer versions serve every file that needs no block of the 7z run, and only the others fail
/// (EIO), as with a damaged volume.
@Suite struct UnreadableVolumeTests {
    @Test func filesNeedingA7zBlockGiveEIOAndTheOthersReadExactly() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bfs7z-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var options = SampleBackup.defaultOptions
        options.container = .sevenZip
        let writer = try FixtureBackupWriter(directory: root.appendingPathComponent("backup"), options: options)
        let trees = SampleBackup.versions()
        try writer.addVersion(trees[0], time: SampleBackup.times[0])
        writer.options.container = .zip
        try writer.addVersion(trees[1], time: SampleBackup.times[1])
        try writer.addVersion(trees[2], time: SampleBackup.times[2])

        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let backup = try Backup.open(
            store: LocalDirectoryStore(path: root.appendingPathComponent("backup").path),
            options: BackupOptions(cacheRoot: root.appendingPathComponent("cache").path), logger: logger)
        let filesystem = try BackupFilesystem(backup: backup, logger: logger)
        let names = try filesystem.readdir(inode: InodeLayout.root, handle: 0, offset: 0, plus: false)
            .map { String(decoding: $0.entry.name, as: UTF8.self) }
        #expect(names == [".", "..", "2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z", "latest"])

        var failed = 0
        var read = 0
        for item in trees[2] {
            guard let bytes = item.fileBytes else { continue }
            let needs7z = writer.dblocksNeeded(by: item).contains { $0.contains(".7z") }
            do {
                var inode = try filesystem.lookup(parent: InodeLayout.root, name: Array("2024-03-01T10:00:00Z".utf8)).attributes.inode
                for part in item.path.split(separator: "/") {
                    inode = try filesystem.lookup(parent: inode, name: Array(part.utf8)).attributes.inode
                }
                let handle = try filesystem.open(inode: inode, flags: O_RDONLY).handle
                let content = try filesystem.read(inode: inode, handle: handle, offset: 0, size: bytes.count + 1)
                #expect(!needs7z || bytes.isEmpty, "\(item.path) needs a 7z block but was read")
                #expect(content == bytes, "\(item.path)")
                read += 1
            } catch {
                #expect(needs7z, "\(item.path) needs no 7z block but failed: \(error)")
                #expect((error as Error as? Errno) == Errno(EIO), "\(item.path): \(error)")
                failed += 1
            }
        }
        #expect(failed > 0 && read > 0)
    }
}

/// A backup whose versions are in tar volumes, read through the filesystem.
@Suite struct TarVolumeFilesystemTests {
    @Test func everyFileOfATzstdBackupReadsExactly() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bfstar-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var options = SampleBackup.defaultOptions
        options.container = .tzstd
        options.encryption = .aes(.v3, passphrase: "tar", iterations: 5)
        try SampleBackup.write(to: root.appendingPathComponent("backup"), options: options)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let backup = try Backup.open(
            store: LocalDirectoryStore(path: root.appendingPathComponent("backup").path),
            options: BackupOptions(cacheRoot: root.appendingPathComponent("cache").path, passphrase: "tar"), logger: logger)
        let filesystem = try BackupFilesystem(backup: backup, logger: logger)
        var read = 0
        for item in SampleBackup.versions()[2] {
            guard let bytes = item.fileBytes else { continue }
            var inode = try filesystem.lookup(parent: InodeLayout.root, name: Array("2024-03-01T10:00:00Z".utf8)).attributes.inode
            for part in item.path.split(separator: "/") {
                inode = try filesystem.lookup(parent: inode, name: Array(part.utf8)).attributes.inode
            }
            let handle = try filesystem.open(inode: inode, flags: O_RDONLY).handle
            #expect(try filesystem.read(inode: inode, handle: handle, offset: 0, size: bytes.count + 1) == bytes, "\(item.path)")
            if bytes.count > 100 {
                #expect(try filesystem.read(inode: inode, handle: handle, offset: 37, size: 50) == Array(bytes[37..<87]))
            }
            read += 1
        }
        #expect(read > 10)
    }
}
