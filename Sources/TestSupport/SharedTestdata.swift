import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The test data in `../shared/testdata` beside the clone: the official AES Crypt vectors and a
/// backup made by a writer outside this project, with manifests. A user's clone has none of it:
/// tests that need it check ``available`` and skip.
package enum SharedTestdata {
    /// The folder holding Package.swift.
    package static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return url
    }()

    /// `../shared/testdata/duplicati-small`.
    package static let small = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata/duplicati-small")
    /// Whether that backup is there.
    package static var available: Bool { FileManager.default.fileExists(atPath: small.appendingPathComponent("backup").path) }
    /// Its passphrase.
    package static let passphrase = "Test-pässwörd-€"

    /// One item of a version's manifest.
    package struct Entry: Sendable {
        package let path: String
        package let type: String
        package let mode: UInt32
        package let mtimeNanoseconds: Int64
        package let sha256: String?
        package let size: Int64?
        package let target: String?
    }

    /// Manifest `vN.json` (v1 oldest): Duplicati's version number and the entries.
    package static func manifest(_ n: Int) throws -> (number: Int, entries: [Entry]) {
        let data = try Data(contentsOf: small.appendingPathComponent("manifests/v\(n).json"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let number = object["duplicati_version_number"] as? Int,
              let raw = object["entries"] as? [[String: Any]]
        else { throw FixtureError.io(path: "manifests/v\(n).json", operation: "parse", errno: 0) }
        return (number, raw.map { e in
            Entry(
                path: e["path"] as? String ?? "", type: e["type"] as? String ?? "",
                mode: UInt32(e["mode"] as? Int ?? 0), mtimeNanoseconds: (e["mtime_ns"] as? NSNumber)?.int64Value ?? 0,
                sha256: e["sha256"] as? String, size: (e["size"] as? NSNumber)?.int64Value, target: e["target"] as? String)
        })
    }

    /// Compares a restored (or mounted, or copied) tree with a manifest: type, content (SHA-256),
    /// size, mode, symlink target, and mtime truncated to the 100 ns Duplicati keeps.
    /// - Parameters:
    ///   - entries: the manifest's entries.
    ///   - root: the folder where `/data/small` lands as `root/data/small`.
    /// - Returns: the problems found, empty when all match.
    package static func differences(_ entries: [Entry], under root: String, checkFolderTimes: Bool = true) -> [String] {
        var problems: [String] = []
        for entry in entries {
            var relative = entry.path
            while relative.hasSuffix("/") { relative.removeLast() }
            let path = root + relative
            var info = stat()
            guard lstat(path, &info) == 0 else { problems.append("missing \(relative)"); continue }
            let restored = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            let expected = entry.mtimeNanoseconds - ((entry.mtimeNanoseconds % 100) + 100) % 100
            if restored != expected && (entry.type != "Folder" || checkFolderTimes) {
                problems.append("mtime \(relative): \(restored) != \(expected)")
            }
            switch entry.type {
            case "File":
                if UInt32(info.st_mode & 0o7777) != entry.mode { problems.append("mode \(relative)") }
                guard let bytes = FileManager.default.contents(atPath: path) else { problems.append("unreadable \(relative)"); continue }
                if Int64(bytes.count) != entry.size { problems.append("size \(relative)") }
                if sha256Hex([UInt8](bytes)) != entry.sha256 { problems.append("content \(relative)") }
            case "Folder":
                if (info.st_mode & S_IFMT) != S_IFDIR { problems.append("not a folder \(relative)") }
                if UInt32(info.st_mode & 0o7777) != entry.mode { problems.append("mode \(relative)") }
            case "Symlink":
                if (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != entry.target { problems.append("target \(relative)") }
            default:
                problems.append("unknown type \(entry.type)")
            }
        }
        return problems
    }

    private static func sha256Hex(_ bytes: [UInt8]) -> String {
        HashAlgorithm.sha256.digest(bytes).map { String(format: "%02x", $0) }.joined()
    }
}

import Digests
