import Foundation
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable, "needs /dev/fuse, fusermount3 and the built dupfs"))
final class MountTests {
    let root: URL
    let backup: URL
    let mountpoint: URL
    let cache: String
    let passFile: String

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-e2e")
        backup = root.appendingPathComponent("backup")
        mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        cache = root.appendingPathComponent("cache").path
        passFile = root.appendingPathComponent("pass").path
        try Data("e2e passphrase\n".utf8).write(to: URL(fileURLWithPath: passFile))
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "e2e passphrase")
        try SampleBackup.write(to: backup, options: options)
    }

    deinit {
        MountHarness.unmount(mountpoint.path)
        try? FileManager.default.removeItem(at: root)
    }

    func mount(_ extra: [String] = [], url: String? = nil) throws -> DupfsProcess.Result {
        try DupfsProcess.run(["mount", url ?? "file://" + backup.path, mountpoint.path, "--cache-dir", cache, "--passphrase-file", passFile] + extra)
    }

    @Test func cpOfEveryVersionEqualsTheSourceTree() throws {
        let result = try mount()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(MountHarness.isMounted(mountpoint.path))
        let names = try FileManager.default.contentsOfDirectory(atPath: mountpoint.path).sorted()
        #expect(names == ["2024-01-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z", "latest"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: mountpoint.appendingPathComponent("latest").path) == "2024-03-01T10:00:00Z")
        for (index, name) in names.prefix(3).enumerated() {
            let copy = root.appendingPathComponent("copy-\(index)")
            #expect(try MountHarness.copyAll(mountpoint.appendingPathComponent(name).path, copy.path) == 0)
            let expected = root.appendingPathComponent("expected-\(index)")
            try materialize(SampleBackup.versions()[index], into: expected)
            let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(copy), owners: getuid() == 0, folderTimes: false)
            #expect(diff.isEmpty, "\(name): \(diff.prefix(10))")
            // Listed folders keep their own mtime; `data` was only an ancestor of the source root.
            let folders = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(copy), folderTimes: true)
                .filter { !$0.hasPrefix("data: ") }
            #expect(folders.isEmpty, "\(folders.prefix(5))")
        }
        var info = stat()
        #expect(stat(mountpoint.appendingPathComponent("2024-03-01T10:00:00Z").path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o555)
        #expect(info.st_mtim.tv_sec == 1_709_287_200)
    }

    @Test func randomAndParallelReadsReturnTheRightBytes() throws {
        #expect(try mount().status == 0)
        let files = SampleBackup.versions()[2].compactMap { entry -> (String, [UInt8])? in
            guard let bytes = entry.fileBytes, bytes.count > 0 else { return nil }
            return (mountpoint.path + "/latest" + entry.path, bytes)
        }
        let failures = Synchronization.Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            var generator = SeededGenerator(seed: UInt64(worker + 1))
            for _ in 0..<60 {
                let (path, bytes) = files[Int.random(in: 0..<files.count, using: &generator)]
                let fd = open(path, O_RDONLY)
                guard fd >= 0 else { failures.withLock { $0.append("open \(path): \(errno)") }; continue }
                defer { close(fd) }
                for _ in 0..<5 {
                    let offset = Int.random(in: 0..<bytes.count, using: &generator)
                    let count = Int.random(in: 1...8192, using: &generator)
                    var buffer = [UInt8](repeating: 0, count: count)
                    let n = pread(fd, &buffer, count, off_t(offset))
                    let expected = Array(bytes[offset..<min(bytes.count, offset + count)])
                    if n != expected.count || Array(buffer.prefix(max(0, n))) != expected {
                        failures.withLock { $0.append("\(path) at \(offset)+\(count): got \(n) bytes") }
                    }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 }.prefix(5))")
    }

    @Test func everyWriteFailsWithEROFS() throws {
        #expect(try mount().status == 0)
        let folder = mountpoint.path + "/latest/data/sample"
        let file = folder + "/README.txt"
        func expectEROFS(_ rc: Int32, _ what: String) {
            #expect(rc == -1 && errno == EROFS, "\(what): rc \(rc) errno \(errno)")
        }
        expectEROFS(open(file, O_WRONLY), "open for writing")
        expectEROFS(open(folder + "/new.txt", O_WRONLY | O_CREAT, 0o644), "create")
        expectEROFS(mkdir(folder + "/newdir", 0o755), "mkdir")
        expectEROFS(unlink(file), "unlink")
        expectEROFS(rmdir(folder + "/empty-dir"), "rmdir")
        expectEROFS(rename(file, folder + "/moved.txt"), "rename")
        expectEROFS(chmod(file, 0o600), "chmod")
        expectEROFS(truncate(file, 0), "truncate")
        expectEROFS(symlink("x", folder + "/newlink"), "symlink")
        expectEROFS(link(file, folder + "/hardlink"), "link")
        // Reading still works after all that.
        #expect(FileManager.default.contents(atPath: file)?.isEmpty == false)
        var fs = statvfs()
        #expect(statvfs(mountpoint.path, &fs) == 0)
        #expect(fs.f_flag & UInt(ST_RDONLY) != 0)
    }

    @Test func missingVolumeGivesEIOForTheFilesThatNeedItOnly() throws {
        let dblocks = try FixtureDamage.volumeNames(in: backup).filter { $0.contains(".dblock.") }.sorted()
        #expect(try mount().status == 0)
        MountHarness.unmount(mountpoint.path)
        // The index is built; now a volume disappears (deleted by hand, lost by the storage).
        try FixtureDamage.deleteVolume(dblocks[0], in: backup)
        #expect(try mount().status == 0)
        var failed = 0, good = 0
        for entry in SampleBackup.versions()[2] {
            guard let bytes = entry.fileBytes, !bytes.isEmpty else { continue }
            let path = mountpoint.path + "/latest" + entry.path
            let fd = open(path, O_RDONLY)
            var data = [UInt8]()
            var error: Int32 = 0
            if fd >= 0 {
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n < 0 { error = errno; break }
                    if n == 0 { break }
                    data += buffer[0..<n]
                }
                close(fd)
            } else {
                error = errno
            }
            if error == 0 {
                #expect(data == bytes, "\(entry.path): wrong bytes")
                good += 1
            } else {
                #expect(error == EIO, "\(entry.path): errno \(error)")
                failed += 1
            }
        }
        #expect(failed > 0 && good > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountpoint.path + "/latest/data/sample").count > 20)
    }

    @Test func inodesStayTheSameAcrossRemounts() throws {
        #expect(try mount().status == 0)
        func inode(_ path: String) -> UInt {
            var info = stat()
            return stat(mountpoint.path + path, &info) == 0 ? UInt(info.st_ino) : 0
        }
        let paths = ["/latest/data/sample/README.txt", "/2024-01-01T10:00:00Z/data/sample/docs", "/2024-02-01T10:00:00Z"]
        let before = paths.map(inode)
        MountHarness.unmount(mountpoint.path)
        #expect(try mount().status == 0)
        #expect(paths.map(inode) == before)
        #expect(!before.contains(0))
    }

    @Test func sigtermUnmountsCleanlyEvenWhileReading() throws {
        #expect(try mount().status == 0)
        let pid = try #require(MountServer.pid(for: mountpoint.path))
        let reader = DispatchQueue(label: "reader")
        let stop = Synchronization.Atomic<Bool>(false)
        let big = mountpoint.path + "/latest/data/sample/big.bin"
        reader.async {
            while !stop.load(ordering: .relaxed) {
                _ = FileManager.default.contents(atPath: big)
            }
        }
        usleep(200_000)
        kill(pid, SIGTERM)
        #expect(MountHarness.waitForExit(pid))
        stop.store(true, ordering: .relaxed)
        reader.sync {}
        #expect(!MountHarness.isMounted(mountpoint.path))
    }

    @Test func fusermountUnmountEndsTheProcess() throws {
        #expect(try mount().status == 0)
        let pid = try #require(MountServer.pid(for: mountpoint.path))
        MountHarness.unmount(mountpoint.path)
        #expect(MountHarness.waitForExit(pid))
    }

    @Test func badMountpointsGetClearErrors() throws {
        let missing = try DupfsProcess.run(["mount", backup.path, root.appendingPathComponent("nowhere").path, "--cache-dir", cache, "--passphrase-file", passFile])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("does not exist"))
        let full = root.appendingPathComponent("full")
        try FileManager.default.createDirectory(at: full, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: full.appendingPathComponent("file"))
        let nonEmpty = try DupfsProcess.run(["mount", backup.path, full.path, "--cache-dir", cache, "--passphrase-file", passFile])
        #expect(nonEmpty.status != 0)
        #expect(nonEmpty.stderr.contains("not empty"), "\(nonEmpty.stderr)")
        #expect(try mount().status == 0)
        let busy = try mount()
        #expect(busy.status != 0)
        #expect(busy.stderr.lowercased().contains("mount"), "\(busy.stderr)")
        let inCache = try DupfsProcess.run(["mount", backup.path, cache, "--cache-dir", cache, "--passphrase-file", passFile])
        #expect(inCache.status == 64)
        let wrong = try DupfsProcess.run(["mount", backup.path, root.appendingPathComponent("mnt2").path, "--cache-dir", cache], environment: ["DUPFS_PASSPHRASE": "nope"])
        #expect(wrong.status == 64 || wrong.status == 77)
        for result in [missing, nonEmpty, busy, inCache] {
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    @Test func foregroundMountServesUntilSIGINT() throws {
        let process = Process()
        process.executableURL = DupfsProcess.binDirectory.appendingPathComponent("dupfs")
        process.arguments = ["mount", backup.path, mountpoint.path, "-f", "--cache-dir", cache, "--passphrase-file", passFile]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !MountHarness.isMounted(mountpoint.path) && Date() < deadline { usleep(50_000) }
        #expect(MountHarness.isMounted(mountpoint.path))
        #expect(FileManager.default.fileExists(atPath: mountpoint.path + "/latest/data/sample/README.txt"))
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(!MountHarness.isMounted(mountpoint.path))
    }
}

/// The backup made outside this project, mounted: `cp -a` of every version equals its manifest.
@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable && SharedTestdata.available, "needs FUSE and ../shared/testdata"))
struct SharedBackupMountTests {
    @Test func cpOfEveryVersionMatchesItsManifest() throws {
        let root = try MountHarness.temporaryFolder("dupfs-shared")
        defer { try? FileManager.default.removeItem(at: root) }
        let mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        let pass = root.appendingPathComponent("pass")
        try Data(SharedTestdata.passphrase.utf8).write(to: pass)
        let result = try DupfsProcess.run([
            "mount", "file://" + SharedTestdata.small.appendingPathComponent("backup").path, mountpoint.path,
            "--cache-dir", root.appendingPathComponent("cache").path, "--passphrase-file", pass.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        defer { MountHarness.unmount(mountpoint.path) }
        let versions = try FileManager.default.contentsOfDirectory(atPath: mountpoint.path).filter { $0 != "latest" }.sorted(by: >)
        #expect(versions.count == 3)
        for n in 1...3 {
            let (number, entries) = try SharedTestdata.manifest(n)
            let copy = root.appendingPathComponent("copy-\(n)")
            #expect(try MountHarness.copyAll(mountpoint.appendingPathComponent(versions[number]).path, copy.path) == 0)
            let problems = SharedTestdata.differences(entries, under: copy.path)
            #expect(problems.isEmpty, "v\(n): \(problems.prefix(10))")
        }
    }
}
