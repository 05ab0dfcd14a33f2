import Backup
import Digests
import Foundation
import Logging
import Storage
import Testing

/// The backup in `../shared/testdata/duplicati-small`, made by a writer outside this project.
/// A user's clone has no `../shared`: these tests then skip.
enum SharedTestdata {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return url
    }()
    static let small = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata/duplicati-small")
    static var available: Bool { FileManager.default.fileExists(atPath: small.appendingPathComponent("backup").path) }
    static let passphrase = "Test-pässwörd-€"
}

@Suite(.enabled(if: SharedTestdata.available, "../shared/testdata is absent (a user's clone)"))
struct SharedBackupTests {
    struct ManifestEntry {
        let path: String
        let type: String
        let mode: UInt32
        let mtimeNanoseconds: Int64
        let sha256: String?
        let size: Int64?
        let target: String?
    }

    static func manifest(_ n: Int) throws -> (number: Int, entries: [ManifestEntry]) {
        let data = try Data(contentsOf: SharedTestdata.small.appendingPathComponent("manifests/v\(n).json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let number = try #require(object["duplicati_version_number"] as? Int)
        let raw = try #require(object["entries"] as? [[String: Any]])
        return (number, raw.map { e in
            ManifestEntry(
                path: e["path"] as? String ?? "", type: e["type"] as? String ?? "",
                mode: UInt32(e["mode"] as? Int ?? 0), mtimeNanoseconds: (e["mtime_ns"] as? NSNumber)?.int64Value ?? 0,
                sha256: e["sha256"] as? String, size: (e["size"] as? NSNumber)?.int64Value, target: e["target"] as? String)
        })
    }

    static func open(cache: URL) throws -> Backup {
        try Backup.open(
            store: LocalDirectoryStore(path: SharedTestdata.small.appendingPathComponent("backup").path),
            options: BackupOptions(cacheRoot: cache.path, passphrase: SharedTestdata.passphrase),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    @Test(arguments: [1, 2, 3])
    func everyVersionRestoresByteIdenticalWithModesAndMtimes(manifestNumber: Int) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let backup = try Self.open(cache: work.appendingPathComponent("cache"))
        let (number, entries) = try Self.manifest(manifestNumber)
        let version = try backup.version(number)
        let target = work.appendingPathComponent("out")
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions()).restore(version: version, paths: [[]])
        #expect(summary.failed.isEmpty, "\(summary.failed)")
        #expect(summary.files == entries.filter { $0.type == "File" }.count)
        var problems: [String] = []
        for entry in entries {
            var relative = entry.path
            while relative.hasSuffix("/") { relative.removeLast() }
            let path = target.path + relative
            var info = stat()
            guard lstat(path, &info) == 0 else { problems.append("missing \(relative)"); continue }
            // Duplicati keeps times in 100 ns ticks: the manifest's nanoseconds, truncated.
            let restored = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            let expected = entry.mtimeNanoseconds - ((entry.mtimeNanoseconds % 100) + 100) % 100
            if restored != expected { problems.append("mtime \(relative): \(restored) != \(expected)") }
            switch entry.type {
            case "File":
                if UInt32(info.st_mode & 0o7777) != entry.mode { problems.append("mode \(relative)") }
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                let hex = HashAlgorithm.sha256.digest(bytes).map { String(format: "%02x", $0) }.joined()
                if hex != entry.sha256 { problems.append("content \(relative)") }
                if Int64(bytes.count) != entry.size { problems.append("size \(relative)") }
            case "Folder":
                if (info.st_mode & S_IFMT) != S_IFDIR { problems.append("not a folder \(relative)") }
                if UInt32(info.st_mode & 0o7777) != entry.mode { problems.append("mode \(relative)") }
            case "Symlink":
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
                if target != entry.target { problems.append("target \(relative)") }
            default:
                problems.append("unknown type \(entry.type)")
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
    }

    @Test func versionsAreNumberedNewestFirstWithTheirTimes() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let backup = try Self.open(cache: work)
        let versions = try backup.versions()
        #expect(versions.count == 3)
        #expect(versions.map(\.time) == [1_709_287_200, 1_706_781_600, 1_704_103_200])
        for n in 1...3 {
            let (number, entries) = try Self.manifest(n)
            #expect(versions[number].fileCount == Int64(entries.filter { $0.type == "File" }.count))
        }
    }
}
