import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Listing through the real mount: what `ls -lR` sees, and extended attributes.
@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable, "needs /dev/fuse, fusermount3 and the built dupfs"))
final class ListingMountTests {
    let root: URL
    let backup: URL
    let mountpoint: URL

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-e2e-list")
        backup = root.appendingPathComponent("backup")
        mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        try SampleBackup.write(to: backup)
        let result = try DupfsProcess.run(["mount", "file://" + backup.path, mountpoint.path, "--cache-dir", root.appendingPathComponent("cache").path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    deinit {
        MountHarness.unmount(mountpoint.path)
        try? FileManager.default.removeItem(at: root)
    }

    @Test func listedAttributesAreThoseOfTheSourceTree() throws {
        let base = mountpoint.path + "/latest"
        let sources = SampleBackup.versions()[2]
        let listed = try #require(FileManager.default.enumerator(atPath: base + "/data/sample"))
        var seen = 0
        for case let relative as String in listed {
            var info = stat()
            #expect(lstat(base + "/data/sample/" + relative, &info) == 0, "\(relative)")
            let path = "/data/sample/" + relative
            guard let source = sources.first(where: { Array($0.path.utf8) == Array(path.utf8) }) else {
                Issue.record("\(relative) is not in the source tree")
                continue
            }
            seen += 1
            if source.symlinkTarget == nil { #expect(info.st_mode & 0o7777 == source.mode, "\(relative)") }
            #expect(info.st_uid == source.uid && info.st_gid == source.gid, "\(relative)")
            #expect(info.st_mtim.tv_sec == source.mtimeSeconds, "\(relative)")
            #expect(info.st_mtim.tv_nsec == Int(source.mtimeNanoseconds), "\(relative)")
            if let bytes = source.fileBytes { #expect(info.st_size == bytes.count, "\(relative)") }
        }
        #expect(seen == sources.filter { $0.path.hasPrefix("/data/sample/") }.count)
    }

    @Test func extendedAttributesAreUnsupportedForCallers() throws {
        let base = mountpoint.path + "/latest/data/sample"
        for name in ["README.txt", "docs", "link-relative", "docs/notes/deep/leaf.txt"] {
            let path = base + "/" + name
            // (The kernel itself refuses `user.` names on symlinks, with ENODATA.)
            if !name.hasPrefix("link") { #expect(ExtendedAttributes.get(path, "user.comment") == EOPNOTSUPP, "\(name)") }
            #expect(ExtendedAttributes.get(path, "security.selinux") == EOPNOTSUPP, "\(name)")
            #expect(ExtendedAttributes.list(path) == EOPNOTSUPP, "\(name)")
        }
        // Copying with attributes still works (cp -a ignores "not supported").
        #expect(try MountHarness.copyAll(base, root.appendingPathComponent("copy").path) == 0)
    }
}

/// getxattr(2)/llistxattr(2), which Glibc's Swift module does not export; looked up by name.
private enum ExtendedAttributes {
    private typealias Get = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int) -> Int
    private typealias List = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int) -> Int

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    /// The errno of `lgetxattr(path, name)` (0 if it succeeded).
    static func get(_ path: String, _ name: String) -> Int32 {
        guard let call = symbol("lgetxattr", as: Get.self) else { return -1 }
        var buffer = [UInt8](repeating: 0, count: 256)
        errno = 0
        let result = buffer.withUnsafeMutableBytes { call(path, name, $0.baseAddress, $0.count) }
        return result < 0 ? errno : 0
    }

    /// The errno of `llistxattr(path)` (0 if it succeeded).
    static func list(_ path: String) -> Int32 {
        guard let call = symbol("llistxattr", as: List.self) else { return -1 }
        errno = 0
        return call(path, nil, 0) < 0 ? errno : 0
    }
}
