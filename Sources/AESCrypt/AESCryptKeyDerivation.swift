internal import COpenSSL

/// Derives the header key K1 from a passphrase and IV1 (format §3.1, §3.2).
enum AESCryptKeyDerivation {
    /// v2: `D` = IV1 ‖ 16 zero bytes; 8192 times `D` = SHA-256(`D` ‖ UTF-16LE passphrase); K1 = `D`.
    /// v3: K1 = PBKDF2-HMAC-SHA512(UTF-8 passphrase, salt IV1, iterations, 32 bytes).
    /// - Parameters:
    ///   - version: the file's format version.
    ///   - passphrase: as typed.
    ///   - iv1: the file's public IV (16 bytes).
    ///   - iterations: v3 PBKDF2 rounds, `1 ... 5_000_000`; ignored for v2.
    /// - Returns: the 32-byte K1.
    static func headerKey(version: AESCryptVersion, passphrase: String, iv1: [UInt8], iterations: Int) -> [UInt8] {
        switch version {
        case .v2: v2HeaderKey(passphrase: passphrase, iv1: iv1)
        case .v3: v3HeaderKey(passphrase: passphrase, salt: iv1, iterations: iterations)
        }
    }

    private static func v2HeaderKey(passphrase: String, iv1: [UInt8]) -> [UInt8] {
        // One buffer holds D ‖ password; each round overwrites D in place, one reused EVP_MD_CTX.
        var buffer = iv1 + [UInt8](repeating: 0, count: 32 - iv1.count)
        buffer.reserveCapacity(32 + passphrase.utf16.count * 2)
        for unit in passphrase.utf16 {
            buffer.append(UInt8(truncatingIfNeeded: unit))
            buffer.append(UInt8(truncatingIfNeeded: unit >> 8))
        }
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new: out of memory") }
        defer { EVP_MD_CTX_free(context) }
        let sha256 = EVP_sha256()
        buffer.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var length: UInt32 = 0
            for _ in 0..<8192 {
                let ok =
                    EVP_DigestInit_ex(context, sha256, nil) == 1
                    && EVP_DigestUpdate(context, base, bytes.count) == 1
                    && EVP_DigestFinal_ex(context, base.assumingMemoryBound(to: UInt8.self), &length) == 1
                precondition(ok && length == 32, "SHA-256 failed")
            }
        }
        return Array(buffer[0..<32])
    }

    private static func v3HeaderKey(passphrase: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        precondition(AESCryptHeader.iterationRange.contains(iterations))
        // NUL-terminated so the buffer is never empty; the terminator is not part of the password.
        let password = passphrase.utf8CString
        let passwordLength = password.count - 1
        precondition(passwordLength <= Int(Int32.max), "passphrase too long")
        return [UInt8](unsafeUninitializedCapacity: 32) { out, initialized in
            let ok = password.withUnsafeBufferPointer { pw in
                salt.withUnsafeBufferPointer { saltBytes in
                    PKCS5_PBKDF2_HMAC(
                        pw.baseAddress, Int32(passwordLength),
                        saltBytes.baseAddress, Int32(saltBytes.count), Int32(iterations), EVP_sha512(),
                        32, out.baseAddress)
                }
            }
            precondition(ok == 1, "PKCS5_PBKDF2_HMAC failed")
            initialized = 32
        }
    }
}
