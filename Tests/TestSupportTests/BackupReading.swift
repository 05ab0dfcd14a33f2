import AESCrypt
import ByteSource
import Foundation
import TestSupport
import Zip

/// A minimal, test-only reader of what `FixtureBackupWriter` wrote: just enough to check
/// that the volumes fit together (it trusts nothing and throws on anything missing).
struct BackupReading {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// One `filelist.json` object, decoded.
    struct Record {
        let type: String
        let path: String
        let object: [String: Any]
        let content: [UInt8]?
        let metadata: [String: String]
    }

    let directory: URL
    let passphrase: String?
    let options: FixtureOptions

    /// Opens a volume: decrypts when `passphrase` is set, then reads the zip.
    func open(_ name: String) throws -> ZipArchive {
        var bytes = try FixtureDamage.readVolume(name, in: directory)
        if let passphrase {
            bytes = try AESCrypt.decrypt(bytes, passphrase: passphrase)
        }
        return try ZipArchive(source: ByteArraySource(bytes))
    }

    /// An entry's decoded bytes.
    func bytes(_ archive: ZipArchive, _ name: String) throws -> [UInt8] {
        guard let entry = archive.entry(named: name) else { throw Failure("no entry \(name)") }
        return try archive.read(entry, limit: 1 << 28)
    }

    /// Parses JSON after an optional BOM.
    static func json(_ bytes: [UInt8]) throws -> Any {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        return try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
    }

    /// All blocks of all dblocks in the folder: b64url name → bytes.
    func allBlocks() throws -> [String: [UInt8]] {
        var blocks: [String: [UInt8]] = [:]
        for name in try FixtureDamage.volumeNames(in: directory) where name.contains(".dblock.") {
            let archive = try open(name)
            for entry in archive.entries where entry.name != "manifest" {
                blocks[entry.name] = try archive.read(entry, limit: 1 << 28)
            }
        }
        return blocks
    }

    /// Decodes one dlist and rebuilds every file's content and every metadata blob from blocks.
    func records(dlist: String, blocks: [String: [UInt8]]) throws -> [Record] {
        let archive = try open(dlist)
        guard let list = try Self.json(try bytes(archive, "filelist.json")) as? [[String: Any]] else {
            throw Failure("filelist.json is not an array of objects")
        }
        return try list.map { object in
            guard let type = object["type"] as? String, let path = object["path"] as? String else {
                throw Failure("entry without type/path")
            }
            let metaBytes = try stream(
                hash: object["metahash"] as? String, size: object["metasize"] as? Int,
                blockHash: object["metablockhash"] as? String,
                blocklists: object["metablocklists"] as? [String], blocks: blocks)
            guard let metadata = try Self.json(metaBytes) as? [String: String] else {
                throw Failure("metadata of \(path) is not a string map")
            }
            var content: [UInt8]?
            if type == "File" {
                content = try stream(
                    hash: object["hash"] as? String, size: object["size"] as? Int,
                    blockHash: object["blockhash"] as? String,
                    blocklists: object["blocklists"] as? [String], blocks: blocks)
            }
            return Record(type: type, path: path, object: object, content: content, metadata: metadata)
        }
    }

    /// The §7.2 reconstruction, checking every block hash and the stream hash.
    func stream(
        hash: String?, size: Int?, blockHash: String?, blocklists: [String]?, blocks: [String: [UInt8]]
    ) throws -> [UInt8] {
        guard let hash, let size else { throw Failure("stream without hash/size") }
        let blocksize = options.blocksize
        let hashSize = options.blockHash.digestSize
        let hpb = blocksize / hashSize
        func block(_ base64: String) throws -> [UInt8] {
            guard let raw = Data(base64Encoded: base64) else { throw Failure("bad base64 \(base64)") }
            guard let bytes = blocks[Base64Text.url(Array(raw))] else { throw Failure("missing block \(base64)") }
            guard options.blockHash.digest(bytes) == Array(raw) else { throw Failure("block \(base64) hash") }
            return bytes
        }
        var content: [UInt8] = []
        if size == 0 {
            content = []
        } else if let blocklists {
            for (j, list) in blocklists.enumerated() {
                let raw = try block(list)
                guard raw.count % hashSize == 0 else { throw Failure("ragged blocklist") }
                for i in 0..<(raw.count / hashSize) {
                    guard content.count == (j * hpb + i) * blocksize else { throw Failure("blocklist gap") }
                    content += try block(Base64Text.standard(Array(raw[(i * hashSize)..<((i + 1) * hashSize)])))
                }
            }
        } else {
            content = try block(blockHash ?? hash)
        }
        guard content.count == size else { throw Failure("size \(content.count) != \(size)") }
        guard Base64Text.standard(options.fileHash.digest(content)) == hash else { throw Failure("stream hash") }
        return content
    }
}

extension FixtureEntry {
    /// The path as UTF-8 bytes (String `==` would merge NFC/NFD twins).
    var pathBytes: [UInt8] { Array(storedPath.utf8) }
}
