import AESCrypt
import ByteSource
import DuplicatiFormat
import Foundation
import FuzzBodies
import TestSupport
import Zip

/// Writes the starting corpora of the fuzz targets from our fixtures:
/// `fuzz-seeds <corpus root> <work dir> [<shared testdata dir>]`.
///
/// The sample backup is written plain, with Zip64 records, with data descriptors, and encrypted
/// (AES Crypt v2 and v3, passphrase `Hello`); volumes, their entries and the names and paths
/// inside them become seeds. The official AES Crypt vectors and the small volumes of the shared
/// Duplicati backup are added when the testdata folder is given and present.
@main
enum FuzzSeeds {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3 else {
            FileHandle.standardError.write(Data("usage: fuzz-seeds <corpus root> <work dir> [<testdata dir>]\n".utf8))
            exit(2)
        }
        let corpus = Corpus(root: URL(fileURLWithPath: arguments[1]))
        let work = URL(fileURLWithPath: arguments[2])
        let testdata = arguments.count > 3 ? URL(fileURLWithPath: arguments[3]) : nil
        try? FileManager.default.removeItem(at: work)

        for file in AESCryptFuzzBody.keyFiles { corpus.add("fuzz-aescrypt", file) }

        var plain: [(name: String, bytes: [UInt8])] = []
        let variants: [(String, FixtureEncryption, zip64: Bool, descriptors: Bool)] = [
            ("plain", .none, false, false), ("zip64", .none, true, false), ("descriptors", .none, false, true),
            ("aes2", .aes(.v2, passphrase: AESCryptFuzzBody.passphrase), false, false),
            ("aes3", .aes(.v3, passphrase: AESCryptFuzzBody.passphrase, iterations: 5), false, false),
        ]
        for (name, encryption, zip64, descriptors) in variants {
            var options = SampleBackup.defaultOptions
            options.encryption = encryption
            options.zip64 = zip64
            options.dataDescriptors = descriptors
            let folder = work.appendingPathComponent(name)
            try SampleBackup.write(to: folder, options: options)
            for file in try volumes(in: folder) {
                if case .none = encryption {
                    corpus.add("fuzz-zip", file.bytes, maximum: 160 << 10)
                    if name == "plain" { plain.append(file) }
                } else {
                    corpus.add("fuzz-aescrypt", file.bytes, maximum: 160 << 10)
                }
            }
        }

        // SharpCompress's zip methods (--zip-compression-method): seeds for their decoders.
        for method in [ZipMethod.bzip2, .lzma, .zstandard, .ppmd] {
            var options = SampleBackup.defaultOptions
            options.compressionMethod = method
            let folder = work.appendingPathComponent("method-\(method.number)")
            try SampleBackup.write(to: folder, options: options)
            for file in try volumes(in: folder) { corpus.add("fuzz-zip", file.bytes, maximum: 160 << 10) }
        }

        for volume in plain {
            try entrySeeds(volume.name, volume.bytes, corpus: corpus)
        }
        syntheticSeeds(corpus)

        if let testdata {
            try sharedSeeds(testdata, corpus: corpus)
        }
        for (target, count) in corpus.counts.sorted(by: { $0.key < $1.key }) {
            print("\(target): \(count) seeds")
        }
    }

    /// The files of a backup folder, by name.
    static func volumes(in folder: URL) throws -> [(name: String, bytes: [UInt8])] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            (name, Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }

    /// Seeds from one plain volume: its name, the JSON documents inside it, raw deflate data,
    /// block names, metadata blobs, stored paths and hashes.
    static func entrySeeds(_ name: String, _ bytes: [UInt8], corpus: Corpus) throws {
        corpus.add("fuzz-json", FormatFuzzBody.input(.volumeName, Array(name.utf8)))
        let archive = try ZipArchive(source: ByteArraySource(bytes))
        var metadataSeeds = 0
        var blockNames = 0
        for entry in archive.entries {
            let content = try archive.read(entry, limit: 64 << 20)
            if let range = try? archive.dataRange(of: entry), entry.compressedSize <= 32 << 10 {
                let compressed = Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)])
                corpus.add("fuzz-inflate", inflateInput(entry, compressed))
            }
            switch entry.name {
            case "manifest":
                corpus.add("fuzz-json", FormatFuzzBody.input(.manifest, content))
            case "fileset":
                corpus.add("fuzz-json", FormatFuzzBody.input(.fileset, content))
            case "filelist.json":
                corpus.add("fuzz-json", FormatFuzzBody.input(.filelist, content), maximum: 128 << 10)
                corpus.add("fuzz-json", FormatFuzzBody.input(.filelist, content, parameters: [7, 3]), maximum: 128 << 10)
                for item in try FilelistReader.parseAll(content).prefix(60) {
                    corpus.add("fuzz-json", FormatFuzzBody.input(.sourcePath, Array(item.path.utf8)))
                    if let hash = item.hash {
                        corpus.add("fuzz-json", FormatFuzzBody.input(.blockHashName, Array(hash.utf8)))
                    }
                    if let time = item.time {
                        corpus.add("fuzz-json", FormatFuzzBody.input(.blockHashName, Array(time.utf8)))
                    }
                }
            case let vol where vol.hasPrefix("vol/"):
                corpus.add("fuzz-json", FormatFuzzBody.input(.indexVolumeList, content))
            case let list where list.hasPrefix("list/"):
                corpus.add("fuzz-json", FormatFuzzBody.input(.blockHashName, content, parameters: [32]), maximum: 8 << 10)
            default:
                if blockNames < 10, BlockHashName.base64(entryName: entry.name) != nil {
                    blockNames += 1
                    corpus.add("fuzz-json", FormatFuzzBody.input(.blockHashName, Array(entry.name.utf8)))
                }
                if metadataSeeds < 20, content.count <= 4096, content.first == UInt8(ascii: "{"),
                    (try? EntryMetadata.parse(content)) != nil
                {
                    metadataSeeds += 1
                    corpus.add("fuzz-json", FormatFuzzBody.input(.entryMetadata, content))
                }
            }
        }
    }

    /// An `InflateFuzzBody` input that decodes to the entry's content.
    static func inflateInput(_ entry: ZipEntry, _ compressed: [UInt8]) -> [UInt8] {
        let selector: UInt8 = entry.method == 0 ? 0 : 1
        let limitSelector: UInt8 = entry.uncompressedSize <= 1 << 20 ? 4 : 5
        return [selector, 0] + littleEndian(entry.crc32) + littleEndian(UInt32(clamping: entry.uncompressedSize))
            + [limitSelector, 0] + compressed
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: value >> $0) }
    }

    /// Seeds no fixture holds: Windows and UNC paths, odd volume names, timestamps, ticks,
    /// a highly compressible stream.
    static func syntheticSeeds(_ corpus: Corpus) {
        let paths = [
            #"C:\Users\ann\x.txt"#, #"C:\"#, #"\\server\share\dir\"#, #"\\?\C:\long\path"#,
            #"\\?\UNC\server\share\x"#, "/", "/data/dir/", "/a/./b/../c",
        ]
        for path in paths { corpus.add("fuzz-json", FormatFuzzBody.input(.sourcePath, Array(path.utf8))) }
        let names = [
            "duplicati-20240101T100000Z.dlist.zip.aes", "duplicati-b0123456789abcdef0123456789abcdef.dblock.zip",
            "duplicati-i0123456789abcdef0123456789abcdef.dindex.7z.gpg", "backup-20240101T100000Z.dlist.tzstd",
        ]
        for name in names { corpus.add("fuzz-json", FormatFuzzBody.input(.volumeName, Array(name.utf8))) }
        for text in ["20240229T235959Z", "00010101t000000z", "638740000000000000", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="] {
            corpus.add("fuzz-json", FormatFuzzBody.input(.blockHashName, Array(text.utf8)))
        }
        let zeros = [UInt8](repeating: 0, count: 200_000)
        let bomb = Deflater.deflate(zeros)
        corpus.add("fuzz-inflate", [1, 0] + littleEndian(CRC32.checksum(zeros)) + littleEndian(UInt32(zeros.count)) + [4, 0] + bomb)
        var writer = ZipWriter()
        corpus.add("fuzz-zip", writer.finish())
        corpus.add("fuzz-zip", writer.finish(forceZip64: true))
    }

    /// The official AES Crypt vectors and the small volumes of the shared backup.
    static func sharedSeeds(_ testdata: URL, corpus: Corpus) throws {
        let vectorsFile = testdata.appendingPathComponent("aescrypt-vectors.json")
        if let data = try? Data(contentsOf: vectorsFile),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let vectors = object["vectors"] as? [[String: Any]]
        {
            for vector in vectors {
                if let hex = vector["ciphertext_hex"] as? String, let bytes = bytes(hex: hex) {
                    corpus.add("fuzz-aescrypt", bytes)
                }
            }
        }
        let backup = testdata.appendingPathComponent("duplicati-small/backup")
        if let files = try? volumes(in: backup) {
            for file in files {
                corpus.add("fuzz-aescrypt", file.bytes, maximum: 32 << 10)
                corpus.add("fuzz-json", FormatFuzzBody.input(.volumeName, Array(file.name.utf8)))
            }
        }
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}

/// The corpus folders being written: one per target, one file per distinct seed.
final class Corpus {
    let root: URL
    private(set) var counts: [String: Int] = [:]
    private var seen: Set<[UInt8]> = []

    init(root: URL) {
        self.root = root
    }

    /// Adds a seed unless it is a duplicate or longer than `maximum`.
    func add(_ target: String, _ bytes: [UInt8], maximum: Int = 1 << 20) {
        guard bytes.count <= maximum, seen.insert([UInt8](target.utf8) + [0] + bytes).inserted else { return }
        let folder = root.appendingPathComponent(target)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let number = counts[target, default: 0]
        counts[target] = number + 1
        let name = "seed-" + String(number + 10_000).dropFirst()
        FileManager.default.createFile(atPath: folder.appendingPathComponent(String(name)).path, contents: Data(bytes))
    }
}
