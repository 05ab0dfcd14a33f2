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

/// A version whose file list cannot be read at all, as the mount shows it.
@Suite struct DamagedVersionTests {
    @Test func aVersionWithAnUnreadableListIsAnErrorNotAnEmptyFolderAndTheOthersMount() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bfs-damaged-\(UUID().uuidString)")
        let directory = root.appendingPathComponent("backup")
        try SampleBackup.write(to: directory)
        try FixtureDamage.replaceVolume("duplicati-20240201T100000Z.dlist.zip", in: directory, with: Array("not a zip".utf8))
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let backup = try Backup.open(
            store: LocalDirectoryStore(path: directory.path),
            options: BackupOptions(cacheRoot: root.appendingPathComponent("cache").path), logger: logger)
        let filesystem = try BackupFilesystem(backup: backup, logger: logger)

        let names = try filesystem.readdir(inode: InodeLayout.root, handle: 0, offset: 0, plus: false)
            .map { String(decoding: $0.entry.name, as: UTF8.self) }
        #expect(names == [".", "..", "2024-03-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-01-01T10:00:00Z", "latest"])
        let damaged = try filesystem.lookup(parent: InodeLayout.root, name: Array("2024-02-01T10:00:00Z".utf8)).attributes.inode
        // opendir of a version root whose list is not read yet leaves the reading to readdir
        // (off the FUSE thread); either way `ls` gets EIO, not an empty folder.
        #expect(throws: Errno(EIO)) {
            _ = try filesystem.opendir(inode: damaged)
            _ = try filesystem.readdir(inode: damaged, handle: 0, offset: 0, plus: false)
        }
        #expect(throws: Errno(EIO)) { _ = try filesystem.readdir(inode: damaged, handle: 0, offset: 0, plus: true) }
        for intact in ["2024-03-01T10:00:00Z", "2024-01-01T10:00:00Z"] {
            let inode = try filesystem.lookup(parent: InodeLayout.root, name: Array(intact.utf8)).attributes.inode
            _ = try filesystem.opendir(inode: inode)
            let children = try filesystem.readdir(inode: inode, handle: 0, offset: 0, plus: false)
            #expect(children.map { String(decoding: $0.entry.name, as: UTF8.self) }.contains("data"), "\(intact)")
        }
    }
}
