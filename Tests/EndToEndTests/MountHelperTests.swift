import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// dupfs as mount(8) runs it: `mount -t fuse.dupfs SOURCE MP -o ...` and an fstab line through
/// `mount -T FILE MP` go through mount.fuse3, which runs `dupfs SOURCE MP -o OPTIONS` with PATH
/// reset to /usr/local/sbin:/usr/local/bin:... . The tests put a `dupfs` symlink to the built
/// binary in /usr/local/sbin for their duration (under a lock on that folder, so that parallel
/// runs of other checkouts do not take it away) and remove it afterwards.
@Suite(.serialized, .enabled(if: MountHelperPlace.available, "needs root, mount(8), mount.fuse3, /dev/fuse and the built dupfs"))
final class MountHelperTests {
    static let helperLink = "/usr/local/sbin/dupfs"

    let root: URL
    let backup: URL
    let mountpoint: URL
    let cache: String
    let passFile: String
    let lock: Int32
    let placedLink: Bool

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-helper")
        backup = root.appendingPathComponent("backup")
        mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        cache = root.appendingPathComponent("cache").path
        passFile = root.appendingPathComponent("pass").path
        try Data("helper passphrase\n".utf8).write(to: URL(fileURLWithPath: passFile))
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "helper passphrase")
        try SampleBackup.write(to: backup, options: options)
        // The lock is the folder itself (flock works on a folder's descriptor): no lock file left behind.
        lock = open("/usr/local/sbin", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if lock >= 0 { flock(lock, LOCK_EX) }
        // An installed dupfs (scripts/install puts it in /usr/local/bin) is shadowed, not touched.
        let binary = DupfsProcess.binDirectory.appendingPathComponent("dupfs").path
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: Self.helperLink)) == binary {
            placedLink = false
        } else {
            try? FileManager.default.removeItem(atPath: Self.helperLink)  // a stale link of an earlier run
            try FileManager.default.createSymbolicLink(atPath: Self.helperLink, withDestinationPath: binary)
            placedLink = true
        }
    }

    deinit {
        MountHarness.unmount(mountpoint.path)
        if placedLink { try? FileManager.default.removeItem(atPath: Self.helperLink) }
        if lock >= 0 { flock(lock, LOCK_UN); close(lock) }
        try? FileManager.default.removeItem(at: root)
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        // mount returns when the helper does; the background mount keeps no pipe of ours open.
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    var mountCommand: String { FileManager.default.isExecutableFile(atPath: "/usr/bin/mount") ? "/usr/bin/mount" : "/bin/mount" }

    /// The mounted version `name` copied out equals the fixture's source tree of version `index`.
    func expectVersion(_ name: String, equals index: Int) throws {
        let copy = root.appendingPathComponent("copy-\(index)-\(UUID().uuidString)")
        #expect(try MountHarness.copyAll(mountpoint.appendingPathComponent(name).path, copy.path) == 0)
        let expected = root.appendingPathComponent("expected-\(index)")
        if !FileManager.default.fileExists(atPath: expected.path) { try materialize(SampleBackup.versions()[index], into: expected) }
        let diff = try TreeSnapshot.capture(expected).differences(from: TreeSnapshot.capture(copy), owners: true, folderTimes: false)
        #expect(diff.isEmpty, "\(name): \(diff.prefix(10))")
    }

    @Test func mountTypeFuseDupfsMountsTheBackup() throws {
        let options = "passphrase_file=\(passFile),cache_dir=\(cache),_netdev,nofail,x-systemd.automount,nodev,nosuid,log_level=info"
        let result = try run(mountCommand, ["-t", "fuse.dupfs", "file://" + backup.path, mountpoint.path, "-o", options])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(MountHarness.isMounted(mountpoint.path))
        let names = try FileManager.default.contentsOfDirectory(atPath: mountpoint.path).sorted()
        #expect(names == ["2024-01-01T10:00:00Z", "2024-02-01T10:00:00Z", "2024-03-01T10:00:00Z", "latest"])
        try expectVersion("2024-03-01T10:00:00Z", equals: 2)
        try expectVersion("2024-01-01T10:00:00Z", equals: 0)
        let umount = try run(FileManager.default.isExecutableFile(atPath: "/usr/bin/umount") ? "/usr/bin/umount" : "/bin/umount", [mountpoint.path])
        #expect(umount.status == 0, "\(umount.stderr)")
        #expect(!MountHarness.isMounted(mountpoint.path))
    }

    @Test func anFstabLineMountsThroughMountDashT() throws {
        let fstab = root.appendingPathComponent("fstab")
        let line = "file://\(backup.path) \(mountpoint.path) fuse.dupfs "
            + "noauto,_netdev,nofail,passphrase_file=\(passFile),cache_dir=\(cache),memory_cache=64M,io_timeout=30,allow_other 0 0\n"
        try Data(("# dupfs test fstab\n" + line).utf8).write(to: fstab)
        let result = try run(mountCommand, ["-T", fstab.path, mountpoint.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(MountHarness.isMounted(mountpoint.path))
        try expectVersion("2024-02-01T10:00:00Z", equals: 1)
        // allow_other reached the kernel.
        let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8)
        let entry = mounts.split(separator: "\n").first { $0.split(separator: " ").dropFirst().first.map(String.init) == mountpoint.path }
        #expect(entry?.contains("allow_other") == true, "\(entry ?? "")")
        #expect(entry?.contains(" ro,") == true || entry?.contains(" ro ") == true, "read-only: \(entry ?? "")")
    }

    @Test func anUnknownMountOptionFailsNamingItAndMountsNothing() throws {
        let result = try run(mountCommand, [
            "-t", "fuse.dupfs", "file://" + backup.path, mountpoint.path, "-o", "passphrase_file=\(passFile),cache_dir=\(cache),compresion=on",
        ])
        #expect((1...127).contains(result.status), "\(result.status)")
        #expect(result.stderr.contains("compresion"), "\(result.stderr)")
        #expect(!MountHarness.isMounted(mountpoint.path))
        // The helper form itself, as mount.fuse3 runs it.
        let direct = try DupfsProcess.run(["file://" + backup.path, mountpoint.path, "-o", "cache_dir=\(cache),bogus_key=1"])
        #expect((1...127).contains(direct.status))
        #expect(direct.stderr.contains("bogus_key"))
        #expect(!MountHarness.isMounted(mountpoint.path))
    }

    @Test func theHelperFormTakesADuplicatiJobFile() throws {
        let job: [String: Any] = [
            "CreatedByVersion": "2.1.0.5",
            "Backup": [
                "Name": "sample", "TargetURL": "file://" + backup.path,
                "Settings": [["Filter": "", "Name": "passphrase", "Value": "helper passphrase", "Argument": NSNull()]],
            ] as [String: Any],
        ]
        let jobFile = root.appendingPathComponent("sample-duplicati-config.json")
        try JSONSerialization.data(withJSONObject: job).write(to: jobFile)
        // The fstab source field is only a label when the job file gives the location.
        let result = try DupfsProcess.run(["sample", mountpoint.path, "-o", "duplicati_config=\(jobFile.path),cache_dir=\(cache),ro"])
        #expect(result.status == 0, "\(result.stderr)")
        try expectVersion("2024-03-01T10:00:00Z", equals: 2)
        MountHarness.unmount(mountpoint.path)
        // And `dupfs mount --duplicati-config FILE MOUNTPOINT`.
        let direct = try DupfsProcess.run(["mount", "--duplicati-config", jobFile.path, mountpoint.path, "--cache-dir", cache])
        #expect(direct.status == 0, "\(direct.stderr)")
        try expectVersion("2024-02-01T10:00:00Z", equals: 1)
        #expect(!direct.stdout.contains("helper passphrase") && !direct.stderr.contains("helper passphrase"))
    }
}

/// Whether mount(8) can run dupfs here.
enum MountHelperPlace {
    static var available: Bool {
        getuid() == 0 && MountHarness.fuseAvailable
            && ["/usr/bin/mount", "/bin/mount"].contains { FileManager.default.isExecutableFile(atPath: $0) }
            && ["/sbin/mount.fuse3", "/usr/sbin/mount.fuse3"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
