import Foundation
import Testing
import TestSupport

/// `dupfs SOURCE MOUNTPOINT -o OPTIONS` (the form mount.fuse3 runs) reads every documented key,
/// ignores fstab's own, and refuses anything else by name before mounting anything. (Mounting
/// through mount(8) is in EndToEndTests/MountHelperTests.)
@Suite(.enabled(if: DupfsProcess.available, "the dupfs binary is not built (run swift build first)"))
struct MountHelperFormTests {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-helper-form-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    @Test func everyDocumentedKeyIsTakenAndFstabKeysAreIgnored() throws {
        let pass = root.appendingPathComponent("pass").path
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: pass))
        let keys = [
            "cache_dir=\(root.path)/cache", "passphrase_file=\(pass)", "authid_file=\(pass)", "pcloud_api=https://127.0.0.1:1",
            "ca_file=\(pass)", "prefix=duplicati", "log_level=info", "log_file=\(root.path)/log", "cache_size=1G",
            "memory_cache=64M", "io_timeout=5", "history",
            "_netdev", "nofail", "noauto", "auto", "user", "users", "nouser", "defaults", "x-systemd.automount",
            "x-gvfs-hide", "ro", "rw", "dev", "suid", "nodev", "nosuid", "exec", "noexec", "allow_other", "default_permissions",
        ].joined(separator: ",")
        // The mountpoint does not exist: every key passed, and the mount itself is what fails.
        let missing = root.appendingPathComponent("no-such-mountpoint").path
        let result = try DupfsProcess.run([root.path, missing, "-o", keys])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("mountpoint \(missing) does not exist"), "\(result.stderr)")
        #expect(!result.stderr.contains("unknown"), "\(result.stderr)")
    }

    @Test func anUnknownKeyIsNamedAndNothingElseHappens() throws {
        let mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        let cache = root.appendingPathComponent("cache").path
        for (options, key) in [("cache_dir=\(cache),cachedir=/tmp/y", "cachedir"), ("ro,compression=zstd", "compression"), ("foo", "foo")] {
            let result = try DupfsProcess.run(["file://" + root.path, mountpoint.path, "-o", options])
            #expect((1...127).contains(result.status))
            #expect(result.stderr == "dupfs: unknown mount option '\(key)'\n", "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: cache), "refused before anything was made")
        }
        let valueMissing = try DupfsProcess.run(["file://" + root.path, mountpoint.path, "-o", "cache_dir"])
        #expect(valueMissing.status == 64)
        #expect(valueMissing.stderr.contains("cache_dir"))
    }
}
