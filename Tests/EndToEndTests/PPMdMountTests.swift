import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The real mount over backups whose zip volumes hold PPMd (method 98) entries, as Duplicati
/// writes them with `--zip-compression-method=PPMd`: every file of every version reads back
/// as in its source tree, and damaged PPMd data gives EIO for the files that need it only.
@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable, "needs /dev/fuse, fusermount3 and the built dupfs"))
final class PPMdMountTests {
    let root: URL
    let backup: URL
    let mountpoint: URL
    let cache: String

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-e2e-ppmd")
        backup = root.appendingPathComponent("backup")
        mountpoint = root.appendingPathComponent("mnt")
        cache = root.appendingPathComponent("cache").path
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        var options = SampleBackup.defaultOptions
        options.compressionMethod = .ppmd
        try SampleBackup.write(to: backup, options: options)
    }

    deinit {
        MountHarness.unmount(mountpoint.path)
        try? FileManager.default.removeItem(at: root)
    }

    func mount() throws -> DupfsProcess.Result {
        try DupfsProcess.run(["mount", "file://" + backup.path, mountpoint.path, "--cache-dir", cache])
    }

    struct ReadFailure: Error, Equatable { let code: Int32 }

    /// Reads a whole file through the mount: its bytes, or the errno that stopped the read.
    func readFile(_ path: String) -> Result<[UInt8], ReadFailure> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(ReadFailure(code: errno)) }
        defer { close(fd) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 { return .failure(ReadFailure(code: errno)) }
            if count == 0 { return .success(data) }
            data += buffer[0..<count]
        }
    }

    @Test func everyFileOfEveryVersionReadsAsItsSource() throws {
        let volumes = try FixtureDamage.volumeNames(in: backup).filter { $0.hasSuffix(".zip") }
        #expect(volumes.count > 3)
        #expect(try mount().status == 0)
        let folders = ["2024-01-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z"]
        var files = 0
        for (folder, tree) in zip(folders, SampleBackup.versions()) {
            for source in tree {
                let path = mountpoint.path + "/" + folder + source.path
                var info = stat()
                #expect(lstat(path, &info) == 0, "\(folder)\(source.path)")
                #expect(info.st_mtim.tv_sec == source.mtimeSeconds, "\(folder)\(source.path)")
                guard let bytes = source.fileBytes else { continue }
                #expect(info.st_size == bytes.count, "\(folder)\(source.path)")
                #expect(try readFile(path).get() == bytes, "\(folder)\(source.path)")
                files += 1
            }
        }
        #expect(files > 40)
        MountHarness.unmount(mountpoint.path)
        let verify = try DupfsProcess.run(["verify", backup.path, "--full"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test(arguments: [FixtureDamage.EntryDamage.flipMiddleByte, .cutInHalf])
    func damagedPPMdDataGivesEIOForTheFilesThatNeedIt(damage: FixtureDamage.EntryDamage) throws {
        let dblock = try #require(try FixtureDamage.volumeNames(in: backup).filter { $0.contains(".dblock.") }.sorted().first)
        try FixtureDamage.damageEntryData(dblock, in: backup, how: damage)
        #expect(try mount().status == 0)
        var failed = 0
        var good = 0
        for entry in SampleBackup.versions()[2] {
            guard let bytes = entry.fileBytes, !bytes.isEmpty else { continue }
            switch readFile(mountpoint.path + "/latest" + entry.path) {
            case .success(let data):
                #expect(data == bytes, "\(entry.path): wrong bytes")
                good += 1
            case .failure(let error):
                #expect(error.code == EIO, "\(entry.path): errno \(error.code)")
                failed += 1
            }
        }
        #expect(failed > 0 && good > 0)
        MountHarness.unmount(mountpoint.path)
        let verify = try DupfsProcess.run(["verify", backup.path, "--full"])
        #expect(verify.status == 65, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains(dblock), "\(verify.stdout)")
    }
}
