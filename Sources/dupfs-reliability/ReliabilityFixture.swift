import Foundation
import TestSupport

/// The backup every class reads: one version of a few hundred files of mixed sizes under
/// `/data/rel`, AES-encrypted, in several dblocks, with the source bytes kept for comparison.
final class ReliabilityFixture {
    /// One file of the source tree.
    struct File {
        /// The path below the version folder, e.g. `data/rel/d03/f0042.jpg`.
        let relativePath: String
        /// The source bytes.
        let bytes: [UInt8]
        /// Positions (in write order) of the first and last dblock that may hold any of this
        /// file's blocks, its blocklists or its metadata block.
        let dblockSpan: ClosedRange<Int>
    }

    /// The passphrase of every volume.
    static let passphrase = "reliability pass"
    /// The source root as stored.
    static let root = "/data/rel"

    /// The backup folder.
    let directory: URL
    /// Every file, in write order.
    let files: [File]
    /// The dblock names in write order.
    let dblocks: [String]
    /// dblock name → its dindex name.
    let dindexOf: [String: String]
    /// Sum of all file sizes.
    let totalBytes: Int

    /// Writes the backup.
    /// - Parameters:
    ///   - directory: an empty backup folder.
    ///   - fileCount: how many files.
    ///   - largestFile: the size cap of the largest files.
    ///   - volumeSize: the dblock size limit.
    /// - Throws: `FixtureError` when writing fails.
    init(directory: URL, fileCount: Int, largestFile: Int, volumeSize: Int) throws {
        self.directory = directory
        var options = FixtureOptions(blocksize: 102_400, volumeSize: volumeSize)
        options.encryption = .aes(.v2, passphrase: Self.passphrase)
        options.compressionLevel = 1
        let writer = try FixtureBackupWriter(directory: directory, options: options)

        var generator = SeededGenerator(seed: "dupfs-reliability")
        let base: Int64 = 1_700_000_000
        var entries: [FixtureEntry] = [FixtureEntry(path: Self.root, content: .folder, mtimeSeconds: base)]
        let folderCount = 8
        for folder in 0..<folderCount {
            entries.append(FixtureEntry(path: Self.root + String(format: "/d%02d", folder), content: .folder, mtimeSeconds: base + Int64(folder) + 1))
        }
        var contents: [(String, [UInt8])] = []
        for index in 0..<fileCount {
            // Sizes: a few empty, many small, most medium, some large; every one unique in time,
            // so no two metadata blocks are the same (each lies next to its own file's blocks).
            let pick = generator.next() % 100
            var size: Int
            switch pick {
            case 0..<2: size = 0
            case 2..<30: size = 1 + Int(generator.next() % 16_384)
            case 30..<85: size = 16_384 + Int(generator.next() % 300_000)
            default: size = 300_000 + Int(generator.next() % UInt64(max(1, largestFile - 300_000)))
            }
            size = min(size, largestFile)
            let text = generator.next() % 5 == 0
            let name = String(format: "/d%02d/f%04d.%@", index % folderCount, index, text ? "txt" : "jpg")
            let bytes = text ? Self.text(size, &generator) : generator.bytes(size)
            contents.append((Self.root + name, bytes))
            entries.append(FixtureEntry(
                path: Self.root + name, content: .file(bytes), mtimeSeconds: base + 1000 + Int64(index) * 61,
                mtimeNanoseconds: Int32((index * 123_456_700) % 1_000_000_000)))
        }
        _ = try writer.addVersion(entries, time: Date(timeIntervalSince1970: 1_709_287_200))

        let dblocks = writer.volumeNames.filter { $0.contains(".dblock.") }
        let position = Dictionary(uniqueKeysWithValues: dblocks.enumerated().map { ($1, $0) })
        var dindexOf: [String: String] = [:]
        for name in dblocks { dindexOf[name] = writer.dindexName(for: name) }

        // The writer stores, per entry in order: its metadata block, its data blocks, its
        // blocklists. A metadata block therefore lies between the previous file's last block and
        // this file's first; a blocklist may spill into the next dblock.
        var files: [File] = []
        var previousLast = 0
        let hashesPerList = options.hashesPerBlocklist
        for (path, bytes) in contents {
            let hashes = writer.blockHashes(of: bytes)
            var positions = hashes.compactMap { writer.dblockName(holding: $0).flatMap { position[$0] } }
            if hashes.count > 1 {
                for start in stride(from: 0, to: hashes.count, by: hashesPerList) {
                    let list = hashes[start..<min(start + hashesPerList, hashes.count)].flatMap { $0 }
                    if let name = writer.dblockName(holding: options.blockHash.digest(list)), let at = position[name] {
                        positions.append(at)
                    }
                }
            }
            let last = min(dblocks.count - 1, (positions.max() ?? previousLast) + 1)
            files.append(File(relativePath: String(path.dropFirst()), bytes: bytes, dblockSpan: previousLast...max(previousLast, last)))
            previousLast = positions.max() ?? previousLast
        }
        self.files = files
        self.dblocks = dblocks
        self.dindexOf = dindexOf
        self.totalBytes = contents.reduce(0) { $0 + $1.1.count }
    }

    /// Compressible text of `count` bytes.
    private static func text(_ count: Int, _ generator: inout SeededGenerator) -> [UInt8] {
        let words: [[UInt8]] = ["alpha", "backup", "block", "delta", "dedup", "folder", "index", "volume", "zip", "hash", "\n"].map { Array($0.utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(count + 16)
        while out.count < count {
            out += words[Int(generator.next() % UInt64(words.count))]
            out.append(0x20)
        }
        return Array(out.prefix(count))
    }

    /// Copies the backup folder (for damaging a copy).
    /// - Parameter destination: a folder that does not exist yet.
    /// - Throws: when copying fails.
    func copy(to destination: URL) throws {
        try FileManager.default.copyItem(at: directory, to: destination)
    }
}
