import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The real mount over a backup whose versions use the newer formats: an LZMA zip under AES
/// Crypt 3 with the minimal header, then a tgz and a tzstd version, with par2 companions and a
/// stray 7z volume beside them. Every file of every version reads back as in its source tree.
@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable, "needs /dev/fuse, fusermount3 and the built dupfs"))
final class FormatsMountTests {
    let root: URL
    let backup: URL
    let mountpoint: URL

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-e2e-formats")
        backup = root.appendingPathComponent("backup")
        mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v3, passphrase: "formats", iterations: 5)
        options.aesHeader = .minimal
        options.compressionMethod = .lzma
        options.parity = true
        let writer = try FixtureBackupWriter(directory: backup, options: options)
        let containers: [FixtureContainer] = [.zip, .tgz, .tzstd]
        for ((tree, time), container) in zip(zip(SampleBackup.versions(), SampleBackup.times), containers) {
            writer.options.container = container
            try writer.addVersion(tree, time: time)
        }
        try SevenZipVolume.writeDblock(in: backup, options: options)
        let passFile = root.appendingPathComponent("pass").path
        try Data("formats\n".utf8).write(to: URL(fileURLWithPath: passFile))
        let result = try DupfsProcess.run(
            ["mount", "file://" + backup.path, mountpoint.path, "--cache-dir", root.appendingPathComponent("cache").path,
             "--passphrase-file", passFile])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("7z"), "\(result.stderr)")
    }

    deinit {
        MountHarness.unmount(mountpoint.path)
        try? FileManager.default.removeItem(at: root)
    }

    @Test func everyFileOfEveryVersionReadsAsItsSource() throws {
        let folders = ["2024-01-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z"]
        var files = 0
        for (folder, tree) in zip(folders, SampleBackup.versions()) {
            for source in tree {
                let path = mountpoint.path + "/" + folder + source.path
                var info = stat()
                #expect(lstat(path, &info) == 0, "\(folder)\(source.path)")
                #expect(info.st_mtim.tv_sec == source.mtimeSeconds, "\(folder)\(source.path)")
                guard let bytes = source.fileBytes else { continue }
                #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == bytes, "\(folder)\(source.path)")
                files += 1
            }
        }
        #expect(files > 40)
    }
}
