import AESCrypt
import ByteSource

/// The `fuzz-aescrypt` body: an AES Crypt file (or a damaged one) through every way we open one.
///
/// 1. With the passphrase ``passphrase``: `AESCryptReader` (reads at several offsets,
///    HMAC2 check) and `AESCrypt.decrypt`, which must agree.
/// 2. With the cached keys of two valid files (v2 and v3, see ``keyFiles``), as a reader reopening
///    a volume it indexed earlier would: the input is taken as that file with a mutated body.
package enum AESCryptFuzzBody {
    /// The passphrase of the official AES Crypt test vectors, also used for our seeds.
    package static let passphrase = "Hello"
    /// v3 headers asking for more PBKDF2 rounds than this skip the passphrase path: up to 5 million
    /// rounds are legal and slow, which would only make the fuzzer crawl.
    static let maximumIterations = 1_000

    /// Two small valid files, v2 and v3 (5 PBKDF2 rounds), with fixed IVs and key. Their keys are
    /// what the cached-key path uses; they are also corpus seeds.
    package static let keyFiles: [[UInt8]] = [AESCryptVersion.v2, .v3].map { version in
        let plaintext = Array("The quick brown fox jumps over the lazy dog, twice: 0123456789abcdef.".utf8)
        return AESCrypt.encrypt(
            plaintext, passphrase: passphrase, version: version, iterations: 5,
            extensions: [("CREATED_BY", Array("dupfs fuzz".utf8))],
            iv1: Array(0..<16), iv2: Array(16..<32), k2: Array(32..<64))
    }

    static let cachedKeys: [AESCryptKeys] = keyFiles.map { file in
        do {
            return try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: passphrase).keys
        } catch {
            fatalError("the fixed key file does not open: \(error)")
        }
    }

    /// Runs one input.
    /// - Parameter data: the bytes of a would-be AES Crypt file.
    package static func run(_ data: [UInt8]) {
        if affordableKeyDerivation(data) {
            passphrasePath(data)
        }
        for keys in cachedKeys {
            cachedKeyPath(data, keys: keys)
        }
    }

    private static func passphrasePath(_ data: [UInt8]) {
        let whole = Result { () throws(AESCryptError) in try AESCrypt.decrypt(data, passphrase: passphrase) }
        guard let reader = try? AESCryptReader(ciphertext: ByteArraySource(data), passphrase: passphrase) else {
            fuzzCheck((try? whole.get()) == nil, "AESCrypt.decrypt succeeds where AESCryptReader fails")
            return
        }
        let viaReader = exercise(reader, data: data)
        if case .success(let plaintext) = whole {
            fuzzCheck(viaReader == plaintext, "AESCryptReader and AESCrypt.decrypt disagree")
            fuzzCheck((try? reader.verifyAuthentication(chunkSize: 48)) != nil, "HMAC2 passes whole, fails chunked")
            let again = try? AESCrypt.decrypt(data, keys: reader.keys)
            fuzzCheck(again == plaintext, "decrypt with the reader's keys differs")
        }
    }

    private static func cachedKeyPath(_ data: [UInt8], keys: AESCryptKeys) {
        let whole = try? AESCrypt.decrypt(data, keys: keys)
        guard let reader = try? AESCryptReader(ciphertext: ByteArraySource(data), keys: keys) else {
            fuzzCheck(whole == nil, "AESCrypt.decrypt(keys:) succeeds where AESCryptReader(keys:) fails")
            return
        }
        let viaReader = exercise(reader, data: data)
        if let whole {
            fuzzCheck(viaReader == whole, "AESCryptReader(keys:) and AESCrypt.decrypt(keys:) disagree")
        }
    }

    /// Reads the whole plaintext and some ranges, checks HMAC2, decrypts from fetched bytes.
    /// - Returns: the whole plaintext as the reader sees it, or nil if reading it threw.
    private static func exercise(_ reader: AESCryptReader, data: [UInt8]) -> [UInt8]? {
        let size = reader.size
        fuzzCheck(size >= 0, "negative plaintext size \(size)")
        let all = try? reader.read(at: 0, count: Int(clamping: size))
        if let all { fuzzCheck(Int64(all.count) == size, "read of the whole plaintext returned \(all.count) of \(size)") }
        let probes: [(Int64, Int)] = [
            (size / 2, 17), (size - 1, 1), (size - 1, 100), (15, 2), (16, 16), (-1, 5), (size, 1), (0, 0),
            (0, Int.max), (Int64.max, 1),
        ]
        for (offset, count) in probes {
            let part = try? reader.read(at: offset, count: count)
            if let all, let part, offset >= 0, offset < size, count > 0 {
                let end = Int(min(Int64(all.count), offset + Int64(min(count, all.count))))
                fuzzCheck(part == Array(all[Int(offset)..<end]), "ranged read at \(offset)+\(count) differs")
            }
            let range = reader.ciphertextRange(plaintextOffset: offset, count: count)
            fuzzCheck(range.lowerBound >= 0 && range.upperBound <= Int64(data.count), "range \(range) outside the file")
            if range.lowerBound >= 0, range.upperBound <= Int64(data.count) {
                let fetched = Array(data[Int(range.lowerBound)..<Int(range.upperBound)])
                let fromFetched = try? reader.decrypt(
                    plaintextOffset: offset, count: count, ciphertext: fetched, ciphertextOffset: range.lowerBound)
                if let part { fuzzCheck(fromFetched == part, "decrypt from fetched bytes differs from read") }
                // Too little ciphertext must throw, not read out of bounds.
                _ = try? reader.decrypt(
                    plaintextOffset: offset, count: count, ciphertext: Array(fetched.dropLast()),
                    ciphertextOffset: range.lowerBound)
            }
        }
        _ = try? reader.verifyAuthentication(chunkSize: 16)
        _ = try? reader.verifyAuthentication()
        return all
    }

    /// Whether the passphrase path costs at most ``maximumIterations`` rounds: true for v2 and
    /// for anything that is not a complete v3 header (those fail before the key derivation).
    private static func affordableKeyDerivation(_ data: [UInt8]) -> Bool {
        guard data.count >= 5, data[0] == 0x41, data[1] == 0x45, data[2] == 0x53, data[3] == 3 else { return true }
        var position = 5
        while position + 2 <= data.count {
            let length = Int(data[position]) << 8 | Int(data[position + 1])
            position += 2
            if length == 0 {
                guard position + 4 <= data.count else { return true }
                let iterations = data[position..<position + 4].reduce(0) { $0 << 8 | Int($1) }
                return iterations <= maximumIterations
            }
            position += length
        }
        return true
    }
}

extension AESCryptFuzzBody {
    /// Whether a file opens with ``passphrase`` (for tests of the body's own fixtures).
    /// - Parameter file: an AES Crypt file.
    /// - Returns: true when `AESCrypt.decrypt` succeeds.
    package static func decryptsWithPassphrase(_ file: [UInt8]) -> Bool {
        (try? AESCrypt.decrypt(file, passphrase: passphrase)) != nil
    }
}
