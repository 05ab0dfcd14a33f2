import Foundation
import TestSupport

/// The WAN data set: mixed files in two versions, and what a restore of the newest one needs.
extension BenchDataset {
    /// The two versions, oldest first. The first holds `scale.wanFiles` files in folders of 50
    /// (80 % ≤ 8 KiB, 19 % ≤ 128 KiB, 1 % ≤ 2 MiB; 60 % text, 40 % random `.jpg`); the second
    /// rewrites every 20th file, drops every 50th and adds one new file per 50, so both old and
    /// new volumes hold blocks the newest version needs.
    static func wanVersions(scale: BenchScale) -> [[FixtureEntry]] {
        let root = "/bench/wan"
        var content = ContentGenerator(seed: "bench-wan")
        var folders = [FixtureEntry(path: "/bench", content: .folder), FixtureEntry(path: root, content: .folder)]
        let folderCount = (scale.wanFiles + 49) / 50
        let paths = (0..<folderCount).map { "\(root)/g\($0 / 40)/d\($0)" }
        var groups = Set<String>()
        for path in paths {
            let group = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
            if groups.insert(group).inserted { folders.append(FixtureEntry(path: group, content: .folder, mtimeSeconds: 1_690_000_000)) }
            folders.append(FixtureEntry(path: path, content: .folder, mode: 0o750, mtimeSeconds: 1_690_000_100))
        }
        func file(_ path: String, _ bytes: [UInt8], _ i: Int, changed: Bool) -> FixtureEntry {
            let seconds = 1_690_000_000 + Int64(i) * 37 + (changed ? 86_400 : 0)
            return FixtureEntry(
                path: path, content: .file(bytes), mode: i % 7 == 0 ? 0o600 : 0o644, mtimeSeconds: seconds,
                mtimeNanoseconds: Int32((i * 7919) % 10_000_000) * 100)
        }
        func randomContent() -> (bytes: [UInt8], isText: Bool) {
            let roll = content.number(in: 0...99)
            let size = roll < 80 ? content.number(in: 100...8192)
                : roll < 99 ? content.number(in: 8192...131_072) : content.number(in: 131_072...2_097_152)
            let isText = content.number(in: 0...9) < 6
            return (isText ? content.text(size) : content.randomBytes(size), isText)
        }
        var first = folders
        var second = folders
        for i in 0..<scale.wanFiles {
            let (bytes, isText) = randomContent()
            let path = "\(paths[i / 50])/item\(i).\(isText ? "txt" : "jpg")"
            first.append(file(path, bytes, i, changed: false))
            if i % 50 == 1 { continue }
            if i % 20 == 0 {
                second.append(file(path, isText ? content.text(bytes.count) : content.randomBytes(bytes.count), i, changed: true))
            } else {
                second.append(first[first.count - 1])
            }
            if i % 50 == 2 {
                let added = content.text(content.number(in: 100...8192))
                second.append(file("\(paths[i / 50])/new\(i).txt", added, i, changed: true))
            }
        }
        return [first, second]
    }

    /// Records the needed dblocks of the newest version (names, count, bytes), the bytes of every
    /// dlist and dindex, and one small file of the newest version to `cat`.
    static func recordWANFacts(
        _ newest: [FixtureEntry], writer: FixtureBackupWriter, backup: URL, into facts: inout [String: Any]
    ) throws {
        func size(_ name: String) throws -> Int {
            let attributes = try FileManager.default.attributesOfItem(atPath: backup.appendingPathComponent(name).path)
            return (attributes[.size] as? NSNumber)?.intValue ?? 0
        }
        let needed = writer.dblockNames(neededBy: newest).sorted()
        facts["neededVolumes"] = needed.count
        facts["neededBytes"] = try needed.reduce(0) { $0 + (try size($1)) }
        let dblocks = writer.volumeNames.filter { $0.contains(".dblock.") }
        facts["dblockVolumes"] = dblocks.count
        facts["dblockBytes"] = try dblocks.reduce(0) { $0 + (try size($1)) }
        facts["indexBytes"] = try writer.volumeNames.filter { !$0.contains(".dblock.") }.reduce(0) { $0 + (try size($1)) }
        guard let small = newest.first(where: { $0.path.contains("/new") && ($0.fileBytes?.count ?? 0) < 8192 }),
            let bytes = small.fileBytes
        else { throw BenchError.missing("a small new file in the WAN data set") }
        facts["smallPath"] = String(small.path.dropFirst("/bench/wan/".count))
        facts["smallSize"] = bytes.count
        facts["entries"] = newest.count
    }
}
