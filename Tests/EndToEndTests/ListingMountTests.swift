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

    @Test func extendedAttributesAreThoseOfTheSourceTree() throws {
        let base = mountpoint.path + "/latest"
        for source in SampleBackup.versions()[2] where source.symlinkTarget == nil {
            let path = base + source.path
            #expect(try ExtendedAttributeCalls.list(path).get() == source.extendedAttributes.map(\.name), "\(source.path)")
            for (name, value) in source.extendedAttributes {
                #expect(try ExtendedAttributeCalls.get(path, name).get() == value, "\(source.path) \(name)")
            }
            #expect(ExtendedAttributeCalls.get(path, "user.absent") == .failure(.init(ENODATA)), "\(source.path)")
            #expect(ExtendedAttributeCalls.get(path, "security.selinux") == .failure(.init(EOPNOTSUPP)), "\(source.path)")
        }
        // The size protocol: 0 asks for the length, a buffer too small is ERANGE.
        let photo = base + "/data/sample/media/photo.jpg"
        #expect(ExtendedAttributes.size(photo, "user.binary", buffer: 0) == 6)
        #expect(ExtendedAttributes.size(photo, "user.binary", buffer: 3) == -Int(ERANGE))
        #expect(ExtendedAttributes.size(photo, "user.binary", buffer: 6) == 6)
        #expect(ExtendedAttributes.listSize(photo, buffer: 0) == "user.mime_type\0user.binary\0".utf8.count)
        #expect(ExtendedAttributes.listSize(photo, buffer: 4) == -Int(ERANGE))
        // Symlinks have none (and the kernel refuses `user.` names on them itself).
        #expect(try ExtendedAttributeCalls.list(base + "/data/sample/link-relative").get() == [])
    }

    @Test func copyingWithAttributesKeepsThem() throws {
        let copy = root.appendingPathComponent("copy")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        guard ExtendedAttributeCalls.supportsUserAttributes(in: copy.path) else {
            Issue.record("SKIPPED: \(copy.path) takes no user.* extended attributes; cp -a cannot be checked")
            return
        }
        #expect(try MountHarness.copyAll(mountpoint.path + "/latest/data/sample", copy.path + "/sample") == 0)
        let tree = SampleBackup.versions()[2].filter { !$0.extendedAttributes.isEmpty }
        #expect(tree.count == 3)
        for source in tree {
            let path = copy.path + "/sample/" + source.path.dropFirst("/data/sample/".count)
            for (name, value) in source.extendedAttributes {
                #expect(try ExtendedAttributeCalls.get(path, name).get() == value, "\(source.path) \(name)")
            }
        }
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

    /// What `lgetxattr(path, name)` returns with a buffer of `buffer` bytes (0: a size probe):
    /// the length, or minus the errno.
    static func size(_ path: String, _ name: String, buffer: Int) -> Int {
        guard let call = symbol("lgetxattr", as: Get.self) else { return -1 }
        var bytes = [UInt8](repeating: 0, count: max(1, buffer))
        errno = 0
        let result = bytes.withUnsafeMutableBytes { call(path, name, buffer == 0 ? nil : $0.baseAddress, buffer) }
        return result < 0 ? -Int(errno) : result
    }

    /// What `llistxattr(path)` returns with a buffer of `buffer` bytes: the length, or minus the errno.
    static func listSize(_ path: String, buffer: Int) -> Int {
        guard let call = symbol("llistxattr", as: List.self) else { return -1 }
        var bytes = [CChar](repeating: 0, count: max(1, buffer))
        errno = 0
        let result = bytes.withUnsafeMutableBufferPointer { call(path, buffer == 0 ? nil : $0.baseAddress, buffer) }
        return result < 0 ? -Int(errno) : result
    }

    /// The errno of `llistxattr(path)` (0 if it succeeded).
    static func list(_ path: String) -> Int32 {
        guard let call = symbol("llistxattr", as: List.self) else { return -1 }
        errno = 0
        return call(path, nil, 0) < 0 ? errno : 0
    }
}
