internal import COpenSSL

/// AES-256-CBC without padding over whole 16-byte blocks (`EVP_aes_256_cbc`, padding off).
///
/// Each call creates and frees its own `EVP_CIPHER_CTX`, so concurrent calls never share state.
enum AES256CBC {
    static let blockSize = 16
    // EVP_*Update take an Int32 length: feed huge ranges in pieces (a multiple of the block size).
    private static let maximumUpdate = 1 << 30

    /// Decrypts block-aligned ciphertext and keeps plaintext bytes `skip ..< skip + out.count`.
    ///
    /// Bytes before `skip` and after the kept range are decrypted into a scratch block, so `out`
    /// receives exactly what was asked for and nothing is copied twice.
    /// - Parameters:
    ///   - key: 32 bytes.
    ///   - iv: 16 bytes: the ciphertext block before `ciphertext`, or the stream IV.
    ///   - ciphertext: whole blocks, at least enough to cover `skip + out.count` bytes.
    ///   - skip: plaintext bytes to drop at the start, `0 ..< 16`.
    ///   - out: where the kept plaintext goes.
    static func decrypt(
        key: [UInt8], iv: UnsafeRawBufferPointer, ciphertext: UnsafeRawBufferPointer, skip: Int,
        into out: UnsafeMutableRawBufferPointer
    ) {
        let count = out.count
        precondition(key.count == 32 && iv.count == blockSize && (0..<blockSize).contains(skip))
        precondition(ciphertext.count % blockSize == 0 && ciphertext.count >= skip + count)
        guard count > 0, let input = ciphertext.baseAddress, let output = out.baseAddress else { return }

        let context = makeContext(key: key, iv: iv, encrypting: false)
        defer { EVP_CIPHER_CTX_free(context) }
        withUnsafeTemporaryAllocation(byteCount: blockSize, alignment: 16) { scratch in
            guard let scratchBase = scratch.baseAddress else { return }
            var consumed = 0
            var written = 0
            if skip > 0 {
                update(context, output: scratchBase, input: input, count: blockSize)
                let kept = min(blockSize - skip, count)
                output.copyMemory(from: scratchBase + skip, byteCount: kept)
                consumed = blockSize
                written = kept
            }
            let whole = (count - written) / blockSize * blockSize
            update(context, output: output + written, input: input + consumed, count: whole)
            consumed += whole
            written += whole
            let rest = count - written
            if rest > 0 {
                update(context, output: scratchBase, input: input + consumed, count: blockSize)
                (output + written).copyMemory(from: scratchBase, byteCount: rest)
            }
        }
    }

    /// Encrypts block-aligned plaintext.
    /// - Parameters:
    ///   - key: 32 bytes.
    ///   - iv: 16 bytes.
    ///   - plaintext: whole blocks (already padded).
    /// - Returns: ciphertext of the same length.
    static func encrypt(key: [UInt8], iv: [UInt8], plaintext: [UInt8]) -> [UInt8] {
        precondition(key.count == 32 && iv.count == blockSize && plaintext.count % blockSize == 0)
        let context = iv.withUnsafeBytes { makeContext(key: key, iv: $0, encrypting: true) }
        defer { EVP_CIPHER_CTX_free(context) }
        return [UInt8](unsafeUninitializedCapacity: plaintext.count) { out, initialized in
            plaintext.withUnsafeBytes { input in
                if let source = input.baseAddress, let target = out.baseAddress {
                    update(context, output: UnsafeMutableRawPointer(target), input: source, count: input.count)
                }
            }
            initialized = plaintext.count
        }
    }

    /// `EVP_CIPHER_CTX_new`, `EVP_CipherInit_ex` with AES-256-CBC, `EVP_CIPHER_CTX_set_padding(0)`.
    private static func makeContext(key: [UInt8], iv: UnsafeRawBufferPointer, encrypting: Bool) -> OpaquePointer {
        guard let context = EVP_CIPHER_CTX_new() else { preconditionFailure("EVP_CIPHER_CTX_new: out of memory") }
        let ok = key.withUnsafeBufferPointer { keyBytes in
            EVP_CipherInit_ex(
                context, EVP_aes_256_cbc(), nil, keyBytes.baseAddress,
                iv.baseAddress?.assumingMemoryBound(to: UInt8.self), encrypting ? 1 : 0)
        }
        precondition(ok == 1, "EVP_CipherInit_ex failed")
        precondition(EVP_CIPHER_CTX_set_padding(context, 0) == 1, "EVP_CIPHER_CTX_set_padding failed")
        return context
    }

    /// `EVP_CipherUpdate` over whole blocks; with padding off, output length equals input length
    /// and nothing is held back.
    private static func update(
        _ context: OpaquePointer, output: UnsafeMutableRawPointer, input: UnsafeRawPointer, count: Int
    ) {
        var done = 0
        while done < count {
            let piece = min(maximumUpdate, count - done)
            var produced: Int32 = 0
            let ok = EVP_CipherUpdate(
                context, (output + done).assumingMemoryBound(to: UInt8.self), &produced,
                (input + done).assumingMemoryBound(to: UInt8.self), Int32(piece))
            precondition(ok == 1 && Int(produced) == piece, "EVP_CipherUpdate failed")
            done += piece
        }
    }
}
