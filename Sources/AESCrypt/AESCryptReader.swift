import ByteSource
import Digests

/// The plaintext of an AES Crypt v2/v3 file, read at random offsets (format §3.4).
///
/// CBC lets any plaintext block be decrypted from its ciphertext block and the one before it,
/// so a read fetches only the blocks it needs from the underlying source. A ranged read does not
/// check HMAC2 (that needs the whole file; see ``verifyAuthentication(chunkSize:)``), nor the v2
/// length byte. Immutable and thread-safe: every call makes its own cipher context.
package final class AESCryptReader: ByteSource {
    /// The keys of this file; cache them to open it again without a key derivation.
    package let keys: AESCryptKeys
    /// The plaintext length.
    package let size: Int64
    private let ciphertext: any ByteSource
    private let fileSize: Int64
    private let ciphertextLength: Int64

    /// The first header read; big enough for Duplicati's headers (≈ 320 bytes) in one go.
    private static let initialHeaderRead = 1024

    /// Opens an encrypted file: parses the header, derives the keys, checks the passphrase and
    /// works out the plaintext length.
    /// - Parameters:
    ///   - ciphertext: the whole encrypted file.
    ///   - passphrase: as typed.
    /// - Throws: `AESCryptError` (`notAESCrypt`, `unsupportedVersion`, `truncated`, `malformed`,
    ///   `wrongPassphrase`), or whatever `ciphertext` throws, unchanged.
    package convenience init(ciphertext: any ByteSource, passphrase: String) throws {
        let header = try Self.readHeader(ciphertext)
        _ = try AESCryptKeys.ciphertextLength(
            version: header.version, ciphertextOffset: Int64(header.ciphertextOffset), fileSize: ciphertext.size)
        try self.init(ciphertext: ciphertext, keys: AESCryptKeys(header: header, passphrase: passphrase))
    }

    /// Opens an encrypted file with keys recovered from it earlier, skipping the key derivation.
    /// The keys must belong to this very file; they are not checked against its header.
    /// - Parameters:
    ///   - ciphertext: the whole encrypted file.
    ///   - keys: from ``keys`` of an earlier reader over the same file.
    /// - Throws: `AESCryptError` (`truncated`, `malformed`), or whatever `ciphertext` throws.
    package init(ciphertext: any ByteSource, keys: AESCryptKeys) throws {
        let fileSize = ciphertext.size
        let ciphertextLength = try keys.ciphertextLength(fileSize: fileSize)
        self.ciphertext = ciphertext
        self.keys = keys
        self.fileSize = fileSize
        self.ciphertextLength = ciphertextLength
        switch keys.version {
        case .v2:
            let lengthByte = try Self.readExactly(ciphertext, at: keys.ciphertextOffset + ciphertextLength, count: 1)
            size = try AESCryptKeys.v2PlaintextLength(ciphertextLength: ciphertextLength, lengthByte: lengthByte[0])
        case .v3:
            // Decrypt the last block (with the one before, or IV2) to read the padding.
            let lastBlock = keys.ciphertextOffset + ciphertextLength - 16
            let start = ciphertextLength > 16 ? lastBlock - 16 : lastBlock
            let blocks = try Self.readExactly(ciphertext, at: start, count: Int(keys.ciphertextOffset + ciphertextLength - start))
            let iv = ciphertextLength > 16 ? Array(blocks[0..<16]) : keys.iv2
            var plain = [UInt8](repeating: 0, count: 16)
            iv.withUnsafeBytes { ivBytes in
                blocks.withUnsafeBytes { cipherBytes in
                    plain.withUnsafeMutableBytes { out in
                        AES256CBC.decrypt(
                            key: keys.k2, iv: ivBytes,
                            ciphertext: UnsafeRawBufferPointer(rebasing: cipherBytes[(cipherBytes.count - 16)...]),
                            skip: 0, into: out)
                    }
                }
            }
            size = ciphertextLength - Int64(try AESCryptKeys.v3PaddingLength(lastBlock: plain[...]))
        }
    }

    /// Reads plaintext, fetching only the ciphertext blocks needed.
    /// - Parameters:
    ///   - offset: plaintext offset, `0 ..< size`.
    ///   - count: bytes wanted.
    /// - Returns: `count` bytes, fewer only past the end; empty for a negative offset or count.
    /// - Throws: `AESCryptError.truncated` when the source returns fewer bytes than it promised,
    ///   or whatever the source throws, unchanged.
    package func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard let (start, length) = clamp(offset, count) else { return [] }
        let range = fileRange(start, length)
        let bytes = try Self.readExactly(ciphertext, at: range.lowerBound, count: Int(range.count))
        return try decrypt(plaintextOffset: start, count: length, ciphertext: bytes, ciphertextOffset: range.lowerBound)
    }

    /// The file bytes that ``read(at:count:)`` would fetch for a plaintext range: its blocks
    /// plus the block before (the CBC chaining value), unless it starts in block 0.
    /// - Parameters:
    ///   - plaintextOffset: where the range starts.
    ///   - count: its length; clamped to the plaintext like `read`.
    /// - Returns: a range of file offsets; empty (at the ciphertext start) for an empty range.
    package func ciphertextRange(plaintextOffset: Int64, count: Int) -> Range<Int64> {
        guard let (start, length) = clamp(plaintextOffset, count) else {
            return keys.ciphertextOffset..<keys.ciphertextOffset
        }
        return fileRange(start, length)
    }

    /// Decrypts a plaintext range from file bytes fetched elsewhere (e.g. a cache or a combined
    /// download).
    /// - Parameters:
    ///   - plaintextOffset: where the range starts.
    ///   - count: its length; clamped to the plaintext like `read`.
    ///   - ciphertext: file bytes covering ``ciphertextRange(plaintextOffset:count:)``.
    ///   - ciphertextOffset: the file offset of `ciphertext[0]`.
    /// - Returns: the plaintext of the range.
    /// - Throws: `malformed` when `ciphertext` does not cover the needed range.
    package func decrypt(
        plaintextOffset: Int64, count: Int, ciphertext: [UInt8], ciphertextOffset: Int64
    ) throws(AESCryptError) -> [UInt8] {
        guard let (start, length) = clamp(plaintextOffset, count) else { return [] }
        let needed = fileRange(start, length)
        guard ciphertextOffset >= 0, ciphertextOffset <= needed.lowerBound,
            Int64(ciphertext.count) >= needed.upperBound - ciphertextOffset
        else {
            throw .malformed("ciphertext \(ciphertextOffset)+\(ciphertext.count) does not cover \(needed)")
        }
        // Block 0 chains from IV2; any later block from the ciphertext block before it.
        let chainsFromIV2 = start < 16
        let ivStart = Int(needed.lowerBound - ciphertextOffset)
        let blocksStart = chainsFromIV2 ? ivStart : ivStart + 16
        let blocksEnd = Int(needed.upperBound - ciphertextOffset)
        let keys = self.keys
        return [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            let target = UnsafeMutableRawBufferPointer(out)
            ciphertext.withUnsafeBytes { bytes in
                let blocks = UnsafeRawBufferPointer(rebasing: bytes[blocksStart..<blocksEnd])
                if chainsFromIV2 {
                    keys.iv2.withUnsafeBytes { iv in
                        AES256CBC.decrypt(key: keys.k2, iv: iv, ciphertext: blocks, skip: Int(start % 16), into: target)
                    }
                } else {
                    let iv = UnsafeRawBufferPointer(rebasing: bytes[ivStart..<blocksStart])
                    AES256CBC.decrypt(key: keys.k2, iv: iv, ciphertext: blocks, skip: Int(start % 16), into: target)
                }
            }
            initialized = length
        }
    }

    /// Reads the whole ciphertext in chunks and checks HMAC2, proving the file undamaged (except
    /// for the v2 length byte, which nothing authenticates).
    /// - Parameter chunkSize: bytes per read from the source.
    /// - Throws: `authenticationFailed` on a mismatch, `truncated` on a short read, or whatever
    ///   the source throws, unchanged.
    package func verifyAuthentication(chunkSize: Int = 1 << 20) throws {
        let chunk = Int64(max(16, chunkSize))
        let authenticator = HMACSHA256.makeAuthenticator(key: keys.k2)
        var position: Int64 = 0
        while position < ciphertextLength {
            let count = Int(min(chunk, ciphertextLength - position))
            authenticator.update(try Self.readExactly(ciphertext, at: keys.ciphertextOffset + position, count: count))
            position += Int64(count)
        }
        let stored = try Self.readExactly(
            ciphertext, at: fileSize - Int64(HMACSHA256.tagSize), count: HMACSHA256.tagSize)
        guard HMACSHA256.tagsEqual(authenticator.finalize(), stored) else {
            throw AESCryptError.authenticationFailed
        }
    }

    /// Clamps a requested range to the plaintext; `nil` when nothing is left.
    private func clamp(_ offset: Int64, _ count: Int) -> (start: Int64, length: Int)? {
        guard offset >= 0, count > 0, offset < size else { return nil }
        return (offset, Int(min(Int64(count), size - offset)))
    }

    /// File bytes for a clamped plaintext range: blocks `first − 1 … last` (from `first` when 0).
    private func fileRange(_ start: Int64, _ length: Int) -> Range<Int64> {
        let firstBlock = start / 16
        let lastBlock = (start + Int64(length) - 1) / 16
        let from = keys.ciphertextOffset + 16 * max(0, firstBlock - 1)
        return from..<keys.ciphertextOffset + 16 * (lastBlock + 1)
    }

    /// Reads the header, growing the read until the extension list ends (capped at 1 MiB).
    private static func readHeader(_ source: any ByteSource) throws -> AESCryptHeader {
        let size = source.size
        var prefix = try source.read(at: 0, count: Int(min(Int64(initialHeaderRead), max(0, size))))
        while true {
            switch try AESCryptHeader.parse(prefix) {
            case .complete(let header):
                return header
            case .needMore(let needed):
                guard Int64(needed) <= size, prefix.count < needed else { throw AESCryptError.truncated }
                // Grow geometrically so long extension lists cost few reads.
                let target = min(Int64(max(needed, 2 * prefix.count, initialHeaderRead)), size, Int64(AESCryptHeader.maximumLength))
                prefix += try readExactly(source, at: Int64(prefix.count), count: Int(target) - prefix.count)
            }
        }
    }

    /// Reads exactly `count` bytes or throws `truncated`.
    private static func readExactly(_ source: any ByteSource, at offset: Int64, count: Int) throws -> [UInt8] {
        let bytes = try source.read(at: offset, count: count)
        guard bytes.count == count else { throw AESCryptError.truncated }
        return bytes
    }
}
