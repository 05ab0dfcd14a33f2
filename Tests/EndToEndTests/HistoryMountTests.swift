import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `dupfs mount --history`: `history/` is the union of every version's tree, and each file or
/// symlink P is a folder of the versions where P changed, carrying those versions' bytes and
/// attributes; compared with the source trees the fixture backed up.
@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable, "needs /dev/fuse, fusermount3 and the built dupfs"))
final class HistoryMountTests {
    let root: URL
    let backup: URL
    let mountpoint: URL
    let cache: String

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-history")
        backup = root.appendingPathComponent("backup")
        mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        cache = root.appendingPathComponent("cache").path
        try HistoryFixture.write(to: backup)
    }

    deinit {
        MountHarness.unmount(mountpoint.path)
        try? FileManager.default.removeItem(at: root)
    }

    func mount(_ extra: [String] = []) throws {
        let result = try DupfsProcess.run(["mount", backup.path, mountpoint.path, "--cache-dir", cache] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(MountHarness.isMounted(mountpoint.path))
    }

    /// A folder's names as bytes (no Unicode folding), sorted.
    func names(_ path: String) throws -> [[UInt8]] {
        guard let dir = opendir(path) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { closedir(dir) }
        var out: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != [46] && name != [46, 46] { out.append(name) }
        }
        return out.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Every path of every version with its ancestors (`/home`, `/home/ann`, ...), and whether
    /// some version holds it as a folder.
    func unionOfTrees() -> [String: Bool] {
        var union: [String: Bool] = [:]
        for tree in HistoryFixture.versions() {
            for entry in tree {
                let parts = entry.path.split(separator: "/").map(String.init)
                for i in 1..<parts.count { union["/" + parts[..<i].joined(separator: "/")] = true }
                union[entry.path] = (union[entry.path] ?? false) || entry.isFolder
            }
        }
        return union
    }

    @Test func rootShowsHistoryOnlyWhenAsked() throws {
        try mount()
        #expect(try names(mountpoint.path).map { String(decoding: $0, as: UTF8.self) } == HistoryFixture.timeNames + ["latest"])
        var info = stat()
        #expect(lstat(mountpoint.path + "/history", &info) != 0 && errno == ENOENT)
        MountHarness.unmount(mountpoint.path)
        try mount(["--history"])
        #expect(try names(mountpoint.path).map { String(decoding: $0, as: UTF8.self) } == HistoryFixture.timeNames + ["history", "latest"])
        #expect(lstat(mountpoint.path + "/history", &info) == 0 && info.st_mode & S_IFMT == S_IFDIR)
    }

    @Test func historyFoldersHoldTheUnionOfTheTreesAndTheChangedVersions() throws {
        try mount(["--history"])
        let union = unionOfTrees()
        let history = mountpoint.path + "/history"
        // history/ itself: the top folders of every version.
        #expect(try names(history) == [Array("home".utf8)])
        for (path, _) in union {
            var expected = Set<[UInt8]>()
            for (other, _) in union where other.hasPrefix(path + "/") && !other.dropFirst(path.count + 1).contains("/") {
                expected.insert(Array(other.dropFirst(path.count + 1).utf8))
            }
            let held = HistoryFixture.holders(of: path)
            for (version, changed) in HistoryFixture.changes(of: path) where changed {
                let entry = held.first { $0.version == version }!.entry
                if !entry.isFolder { expected.insert(Array(HistoryFixture.timeNames[4 - version].utf8)) }
            }
            let listed = try names(history + path)
            #expect(Set(listed) == expected && listed.count == expected.count,
                    "history\(path): \(listed.map { String(decoding: $0, as: UTF8.self) })")
        }
        var info = stat()
        #expect(lstat(history + "/home/ann/never-there", &info) != 0 && errno == ENOENT)
        #expect(lstat(history + "/home/ann/notes.txt/2024-05-02T08:00:00Z", &info) != 0 && errno == ENOENT, "unchanged in that version")
        // Spelled out: edited, deleted, re-added; file, then a symlink retargeted; folder, file, folder.
        #expect(try names(history + "/home/ann/notes.txt").map { String(decoding: $0, as: UTF8.self) }
            == ["2024-05-01T08:00:00Z", "2024-05-03T08:00:00Z", "2024-05-05T08:00:00Z"])
        #expect(try names(history + "/home/ann/link").map { String(decoding: $0, as: UTF8.self) }
            == ["2024-05-01T08:00:00Z", "2024-05-02T08:00:00Z", "2024-05-03T08:00:00Z"])
        #expect(try names(history + "/home/ann/morph").map { String(decoding: $0, as: UTF8.self) }
            == ["2024-05-03T08:00:00Z", "inner.txt"])
    }

    @Test func historyEntriesCarryEachVersionsBytesAndAttributes() throws {
        try mount(["--history"])
        let sources = try HistoryFixture.versions().enumerated().map { index, tree -> URL in
            let folder = root.appendingPathComponent("source-\(index)")
            try materialize(tree, into: folder)
            return folder
        }
        var checked = 0
        for (path, _) in unionOfTrees() {
            let held = HistoryFixture.holders(of: path)
            for (version, changed) in HistoryFixture.changes(of: path) where changed {
                let entry = held.first { $0.version == version }!.entry
                guard !entry.isFolder else { continue }
                let index = 4 - version
                let shown = mountpoint.path + "/history" + path + "/" + HistoryFixture.timeNames[index]
                var info = stat()
                guard lstat(shown, &info) == 0 else {
                    Issue.record("\(shown): \(String(cString: strerror(errno)))")
                    continue
                }
                #expect(info.st_mtim.tv_sec == entry.mtimeSeconds && info.st_mtim.tv_nsec == Int(entry.mtimeNanoseconds), "\(shown)")
                // The version folder's own entry: same inode, so the same verified read path.
                var own = stat()
                #expect(lstat(mountpoint.path + "/" + HistoryFixture.timeNames[index] + path, &own) == 0)
                #expect(own.st_ino == info.st_ino, "\(shown)")
                let source = sources[index].path + path
                if let target = entry.symlinkTarget {
                    #expect(info.st_mode & S_IFMT == S_IFLNK)
                    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: shown) == target)
                    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: source) == target)
                } else {
                    #expect(info.st_mode & S_IFMT == S_IFREG)
                    #expect(info.st_mode & 0o7777 == entry.mode & 0o7777, "\(shown)")
                    let bytes = try Data(contentsOf: URL(fileURLWithPath: shown))
                    #expect(info.st_size == bytes.count)
                    #expect(bytes == (try Data(contentsOf: URL(fileURLWithPath: source))), "\(shown) differs from \(source)")
                    #expect(try Self.cmp(shown, source) == 0)
                }
                checked += 1
            }
        }
        #expect(checked >= 15)
    }

    static func cmp(_ a: String, _ b: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/cmp")
        process.arguments = ["-s", a, b]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
