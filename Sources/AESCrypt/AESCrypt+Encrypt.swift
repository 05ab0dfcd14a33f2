internal import COpenSSL
import Digests

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension AESCrypt {
    /// Encrypts bytes the way Duplicati's SharpAESCrypt writes them, with fresh random IVs and key.
    ///
    /// v2: padding bytes carry PKCS#7 values, no padding block when the length is a multiple of
    /// 16, a length byte before HMAC2. v3: PKCS#7 always, the iteration count in the header.
    /// Meant for fixtures and tests, not for protecting data.
    /// - Parameters:
    ///   - plaintext: the bytes to encrypt.
    ///   - passphrase: as typed.
    ///   - version: the format version.
    ///   - iterations: v3 PBKDF2 rounds, `1 ... 5_000_000`; ignored for v2.
    ///   - extensions: header extensions as (identifier, value); `nil` writes Duplicati's default
    ///     `CREATED_BY`, `CREATED_DATE`, `CREATED_TIME` (UTC, 12-hour clock) and a 128-byte
    ///     container. Each must fit in 65,535 bytes (identifier, a zero byte, value).
    /// - Returns: the whole encrypted file.
    package static func encrypt(
        _ plaintext: [UInt8], passphrase: String, version: AESCryptVersion = .v2, iterations: Int = 300_000,
        extensions: [(String, [UInt8])]? = nil
    ) -> [UInt8] {
        encrypt(
            plaintext, passphrase: passphrase, version: version, iterations: iterations, extensions: extensions,
            iv1: randomBytes(16), iv2: randomBytes(16), k2: randomBytes(32))
    }

    /// Encrypts with given IVs and key, for byte-for-byte reproducible fixtures.
    /// - Parameters:
    ///   - plaintext: the bytes to encrypt.
    ///   - passphrase: as typed.
    ///   - version: the format version.
    ///   - iterations: v3 PBKDF2 rounds, `1 ... 5_000_000`; ignored for v2.
    ///   - extensions: as in ``encrypt(_:passphrase:version:iterations:extensions:)``.
    ///   - iv1: the public IV and KDF salt (16 bytes).
    ///   - iv2: the ciphertext IV (16 bytes).
    ///   - k2: the ciphertext key (32 bytes).
    /// - Returns: the whole encrypted file.
    package static func encrypt(
        _ plaintext: [UInt8], passphrase: String, version: AESCryptVersion, iterations: Int,
        extensions: [(String, [UInt8])]?, iv1: [UInt8], iv2: [UInt8], k2: [UInt8]
    ) -> [UInt8] {
        precondition(iv1.count == 16 && iv2.count == 16 && k2.count == 32, "wrong IV or key size")
        precondition(
            version == .v2 || AESCryptHeader.iterationRange.contains(iterations), "v3 iterations out of range")

        var file = AESCryptHeader.magic + [version.formatByte, 0]
        for (identifier, value) in extensions ?? defaultExtensions(version: version) {
            let length = identifier.utf8.count + 1 + value.count
            precondition(length <= 0xFFFF, "extension \(identifier) longer than 65,535 bytes")
            file += [UInt8(length >> 8), UInt8(length & 0xFF)]
            file += Array(identifier.utf8) + [0] + value
        }
        file += [0, 0]
        if version == .v3 {
            file += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: iterations >> $0) }
        }

        let k1 = AESCryptKeyDerivation.headerKey(
            version: version, passphrase: passphrase, iv1: iv1, iterations: iterations)
        let keyBlock = AES256CBC.encrypt(key: k1, iv: iv1, plaintext: iv2 + k2)
        let keyBlockTag = HMACSHA256.authenticate(version == .v3 ? keyBlock + [3] : keyBlock, key: k1)
        file += iv1 + keyBlock + keyBlockTag

        let remainder = plaintext.count % 16
        let padding: Int
        switch version {
        case .v2: padding = remainder == 0 ? 0 : 16 - remainder
        case .v3: padding = 16 - remainder
        }
        let ciphertext = AES256CBC.encrypt(
            key: k2, iv: iv2, plaintext: plaintext + [UInt8](repeating: UInt8(padding), count: padding))
        file += ciphertext
        if version == .v2 { file.append(UInt8(remainder)) }
        file += HMACSHA256.authenticate(ciphertext, key: k2)
        return file
    }

    /// The extensions Duplicati 2.1–2.3 writes (format §3.1), stamped with the current UTC time.
    private static func defaultExtensions(version: AESCryptVersion) -> [(String, [UInt8])] {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let date = "\(parts.tm_year + 1900)-\(twoDigits(parts.tm_mon + 1))-\(twoDigits(parts.tm_mday))"
        // .NET "hh" is a 12-hour clock: SharpAESCrypt writes 01…12, a quirk we reproduce.
        let hour12 = parts.tm_hour % 12 == 0 ? 12 : parts.tm_hour % 12
        let clock = "\(twoDigits(hour12))-\(twoDigits(parts.tm_min))-\(twoDigits(parts.tm_sec))"
        let library = version == .v2 ? "SharpAESCrypt v2.0.3.0" : "SharpAESCrypt v3.0.0.0"
        return [
            ("CREATED_BY", Array(library.utf8)),
            ("CREATED_DATE", Array(date.utf8)),
            ("CREATED_TIME", Array(clock.utf8)),
            ("", [UInt8](repeating: 0, count: 127)),
        ]
    }

    /// Cryptographically strong random bytes (`RAND_bytes`).
    private static func randomBytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            precondition(RAND_bytes(out.baseAddress, Int32(count)) == 1, "RAND_bytes failed")
            initialized = count
        }
    }
}
