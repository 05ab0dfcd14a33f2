import Digests

/// The `manifest` entry every volume starts with (§5).
///
/// A reader learns the block size and hash algorithms from it; all volumes of one backup agree.
package struct Manifest: Sendable, Equatable {
    /// The newest manifest format we understand.
    package static let latestVersion = 2
    /// The smallest block size Duplicati accepts (`Options.Blocksize`).
    package static let minimumBlocksize = 1024
    /// The largest block size we accept; anything bigger is treated as corrupt.
    package static let maximumBlocksize = 1 << 30

    /// Manifest format: 1 (up to 2.0.1.27) or 2.
    package let version: Int
    /// Volume creation time, `yyyyMMddTHHmmssZ`, as written.
    package let created: String?
    /// Text encoding; always `utf8` when present.
    package let encoding: String?
    /// Block size in bytes, in `minimumBlocksize...maximumBlocksize`.
    package let blocksize: Int
    /// Block hash algorithm name, as written (e.g. `SHA256`).
    package let blockHash: String
    /// File hash algorithm name, as written.
    package let fileHash: String
    /// Version of the Duplicati assembly that wrote the volume (absent before 2.0.1.14).
    package let appVersion: String?
    /// `blockHash`, resolved.
    package let blockHashAlgorithm: HashAlgorithm
    /// `fileHash`, resolved.
    package let fileHashAlgorithm: HashAlgorithm

    /// Parses a manifest. Member names match case-insensitively (as Newtonsoft does); unknown
    /// members are ignored.
    /// - Parameter bytes: the entry's content; a UTF-8 BOM is allowed.
    /// - Returns: the manifest.
    /// - Throws: `malformedJSON`; `missingField` for `Version`, `Blocksize`, `BlockHash` or
    ///   `FileHash`; `unsupportedManifestVersion` outside 1...2; `invalidValue` for a block size
    ///   outside 1 KiB...1 GiB, an encoding other than `utf8` or an unknown hash algorithm.
    package static func parse(_ bytes: [UInt8]) throws(DuplicatiFormatError) -> Manifest {
        var parser = JSONParser(bytes)
        var version: Int64?, blocksize: Int64?
        var created: String?, encoding: String?, blockHash: String?, fileHash: String?, appVersion: String?
        var object = try parser.beginObject()
        while let key = try parser.nextKey(&object) {
            switch key.lowercased() {
            case "version": version = try parser.optionalInt64(field: "Version")
            case "blocksize": blocksize = try parser.optionalInt64(field: "Blocksize")
            case "created": created = try parser.optionalString(field: "Created")
            case "encoding": encoding = try parser.optionalString(field: "Encoding")
            case "blockhash": blockHash = try parser.optionalString(field: "BlockHash")
            case "filehash": fileHash = try parser.optionalString(field: "FileHash")
            case "appversion": appVersion = try parser.optionalString(field: "AppVersion")
            default: try parser.skipValue()
            }
        }
        try parser.expectEnd()

        guard let version else { throw .missingField("Version") }
        guard (1...Int64(latestVersion)).contains(version) else {
            throw .unsupportedManifestVersion(Int(clamping: version))
        }
        if let encoding, encoding.lowercased() != "utf8" {
            throw .invalidValue("Encoding \(encoding.prefix(32))")
        }
        guard let blocksize else { throw .missingField("Blocksize") }
        guard (Int64(minimumBlocksize)...Int64(maximumBlocksize)).contains(blocksize) else {
            throw .invalidValue("Blocksize \(blocksize)")
        }
        guard let blockHash else { throw .missingField("BlockHash") }
        guard let fileHash else { throw .missingField("FileHash") }
        guard let blockHashAlgorithm = HashAlgorithm(duplicatiName: blockHash) else {
            throw .invalidValue("BlockHash \(blockHash.prefix(32))")
        }
        guard let fileHashAlgorithm = HashAlgorithm(duplicatiName: fileHash) else {
            throw .invalidValue("FileHash \(fileHash.prefix(32))")
        }
        return Manifest(
            version: Int(version), created: created, encoding: encoding, blocksize: Int(blocksize),
            blockHash: blockHash, fileHash: fileHash, appVersion: appVersion,
            blockHashAlgorithm: blockHashAlgorithm, fileHashAlgorithm: fileHashAlgorithm)
    }
}
