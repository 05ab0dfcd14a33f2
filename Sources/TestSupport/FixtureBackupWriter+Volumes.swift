import AESCrypt
import ByteSource
import Digests
import Foundation
import Zip

extension FixtureBackupWriter {
    /// Stores a metadata blob; a blob larger than one blocklist can cover is replaced by the
    /// empty blob, as Duplicati does ("TooLargeMetadata").
    func storeMetadata(_ blob: [UInt8]) throws -> StoredStream {
        let limit = options.hashesPerBlocklist * options.blocksize
        let bytes = blob.count > limit ? JSONText.bytes("{}", bom: true) : blob
        return try storeStream(bytes, kind: .metadata)
    }

    /// Splits content into blocks, stores the new ones and, for two or more blocks, the
    /// blocklists (each up to `hashesPerBlocklist` hashes).
    func storeStream(_ bytes: [UInt8], kind: BlockKind) throws -> StoredStream {
        let fileHash = options.fileHash.digest(bytes)
        var hashes: [[UInt8]] = []
        for chunk in Self.chunks(bytes, size: options.blocksize) {
            let block = Array(chunk)
            let hash = options.blockHash.digest(block)
            try storeBlock(hash: hash, bytes: block, kind: kind)
            hashes.append(hash)
        }
        var stream = StoredStream(hash: fileHash, size: bytes.count, singleBlockHash: nil, blocklistHashes: [])
        if hashes.count == 1 {
            stream.singleBlockHash = hashes[0]
        } else if hashes.count > 1 {
            let perList = options.hashesPerBlocklist
            for start in stride(from: 0, to: hashes.count, by: perList) {
                let list = hashes[start..<min(start + perList, hashes.count)].flatMap { $0 }
                let listHash = options.blockHash.digest(list)
                try storeBlock(hash: listHash, bytes: list, kind: .blocklist)
                stream.blocklistHashes.append(listHash)
            }
        }
        return stream
    }

    /// Adds a block to the open dblock unless it is already stored; closes the dblock once it
    /// passes `volumeSize - blocksize`.
    func storeBlock(hash: [UInt8], bytes: [UInt8], kind: BlockKind) throws {
        if options.deduplicate {
            if blockLocations[hash] != nil { return }
        } else {
            if blocksThisVersion.contains(hash) { return }
            blocksThisVersion.insert(hash)
        }
        var volume = openVolume ?? BlockVolumeBuilder(
            name: "\(options.prefix)-b\(nextGUID()).dblock.\(options.container.suffix)\(options.encryption.suffix)",
            manifest: manifest(), options: options)
        openVolume = nil  // keep the zip uniquely referenced while it grows
        volume.add(hash: hash, bytes: bytes, kind: kind)
        if blockLocations[hash] == nil { blockLocations[hash] = volume.name }
        openVolume = volume
        if volume.approximateSize > options.volumeSize - options.blocksize {
            try closeVolume()
        }
    }

    /// Finishes the open dblock (if it holds any block), uploads it, then its dindex.
    func closeVolume() throws {
        guard let volume = openVolume else { return }
        openVolume = nil
        guard !volume.isEmpty else { return }
        let uploaded = try upload(volume.name, volume.zip.finish())
        guard options.indexPolicy != .none else { return }

        var vol = JSONText()
        let blocks = volume.blocks.map { block in
            var item = JSONText()
            item.add("hash", Base64Text.standard(block.hash))
            item.add("size", block.size)
            return item.text
        }
        vol.addRaw("blocks", "[" + blocks.joined(separator: ",") + "]")
        vol.add("volumehash", Base64Text.standard(options.fileHash.digest(uploaded)))
        vol.add("volumesize", uploaded.count)

        let indexName = "\(options.prefix)-i\(nextGUID()).dindex.\(options.container.suffix)\(options.encryption.suffix)"
        var zip = ZipBuilder(options: options)
        zip.add("manifest", manifest())
        zip.add("vol/" + volume.name, JSONText.bytes(vol.text, bom: false))
        if options.indexPolicy == .full {
            for list in volume.blocklists {
                zip.add("list/" + Base64Text.url(list.hash), list.bytes, stored: true)
            }
        }
        _ = try upload(indexName, zip.finish())
        indexNames[volume.name] = indexName
    }

    /// Encrypts (per options) and writes a remote file; another container than zip takes the
    /// zip's entries (a 7z container: an empty 7z archive instead).
    /// - Returns: the bytes as written.
    func upload(_ name: String, _ zip: [UInt8]) throws -> [UInt8] {
        let plaintext: [UInt8]
        switch options.container {
        case .zip: plaintext = zip
        case .sevenZip: plaintext = SevenZipVolume.emptyArchive()
        case .tgz: plaintext = GzipEncoder.compress(try tar(of: zip), level: 6)
        case .tzstd: plaintext = ZstdEncoder.compress(try tar(of: zip), level: 10)
        }
        let bytes: [UInt8]
        switch options.encryption {
        case .none:
            bytes = plaintext
        case .aes(let version, let passphrase, let iterations):
            bytes = AESCrypt.encrypt(
                plaintext, passphrase: passphrase, version: version, iterations: iterations,
                extensions: sharpAESCryptExtensions(version: version))
        case .gpg(let passphrase, let recipient, let home):
            bytes = try GPGKeyring.encrypt(plaintext, passphrase: passphrase, recipient: recipient, home: home)
        }
        try PosixFS.writeFile(directory.appendingPathComponent(name).path, bytes)
        volumeNames.append(name)
        if options.parity && !name.contains(".dindex.") {
            let companion = name + ".par2"
            try PosixFS.writeFile(directory.appendingPathComponent(companion).path, ParityCompanion.bytes(describing: bytes))
            parityNames.append(companion)
        }
        return bytes
    }

    /// The AES Crypt extensions SharpAESCrypt writes in the chosen style (§3.1), dated with the
    /// version time so the header doesn't depend on the clock.
    private func sharpAESCryptExtensions(version: AESCryptVersion) -> [(String, [UInt8])] {
        let container: (String, [UInt8]) = ("", [UInt8](repeating: 0, count: 127))
        switch options.aesHeader {
        case .minimal:
            return []
        case .createdByOnly:
            return [("CREATED_BY", Array("SharpAESCrypt v1.3.4.0".utf8)), container]
        case .dated:
            break
        }
        let stamp = CompactTimestamp.format(versionTime)  // yyyyMMddTHHmmssZ
        let chars = Array(stamp)
        let date = "\(String(chars[0..<4]))-\(String(chars[4..<6]))-\(String(chars[6..<8]))"
        let hour24 = Int(String(chars[9..<11])) ?? 0
        let hour12 = hour24 % 12 == 0 ? 12 : hour24 % 12  // "hh": the 12-hour clock quirk
        let hour = hour12 < 10 ? "0\(hour12)" : "\(hour12)"
        let time = "\(hour)-\(String(chars[11..<13]))-\(String(chars[13..<15]))"
        let library = version == .v2 ? "SharpAESCrypt v2.0.3.0" : "SharpAESCrypt v3.0.0.0"
        return [
            ("CREATED_BY", Array(library.utf8)),
            ("CREATED_DATE", Array(date.utf8)),
            ("CREATED_TIME", Array(time.utf8)),
            container,
        ]
    }

    /// The entries of a zip as the tar of a tar volume, stamped with the version time.
    private func tar(of zip: [UInt8]) throws -> [UInt8] {
        let archive = try ZipArchive(source: ByteArraySource(zip))
        var writer = TarVolumeWriter(mtime: Int64(versionTime.timeIntervalSince1970))
        for entry in archive.entries {
            writer.add(entry.name, try archive.read(entry, limit: 1 << 30))
        }
        return writer.finish()
    }

    /// A 32-hex-digit lower-case GUID derived from the seed, the prefix and a counter.
    func nextGUID() -> String {
        guidCounter += 1
        let digest = HashAlgorithm.sha256.digest(Array("\(options.seed)/\(options.prefix)/\(guidCounter)".utf8))
        return digest.prefix(16).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}
