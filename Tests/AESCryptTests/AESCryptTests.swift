import ByteSource
import Testing

import AESCrypt

@Suite struct AESCryptTests {
    static let sizes = [0, 1, 15, 16, 17, 1000]

    // MARK: Official vectors

    @Test(.enabled(if: OfficialVector.available, "needs ../shared/testdata"))
    func officialVectorsDecryptToTheirPlaintext() throws {
        let vectors = try OfficialVector.load()
        #expect(vectors.filter { $0.format == 2 }.count == 21)
        #expect(vectors.filter { $0.format == 3 }.count == 21)
        for vector in vectors {
            #expect(try AESCrypt.decrypt(vector.file, passphrase: vector.password) == vector.plaintextBytes, "\(vector)")
        }
    }

    @Test(.enabled(if: OfficialVector.available, "needs ../shared/testdata"))
    func officialVectorsRejectAWrongPassphrase() throws {
        for vector in try OfficialVector.load() {
            #expect(throws: AESCryptError.wrongPassphrase, "\(vector)") {
                try AESCrypt.decrypt(vector.file, passphrase: "hello")
            }
        }
    }

    // MARK: Round trips

    @Test(arguments: sizes)
    func v2RoundTripRestoresThePlaintext(size: Int) throws {
        let plaintext = patternBytes(size, seed: UInt64(size))
        let file = AESCrypt.encrypt(plaintext, passphrase: "Test-pässwörd-€")
        #expect(file.count == (size + 15) / 16 * 16 + 349)
        #expect(try AESCrypt.decrypt(file, passphrase: "Test-pässwörd-€") == plaintext)
    }

    @Test(arguments: sizes)
    func v3RoundTripRestoresThePlaintext(size: Int) throws {
        let plaintext = patternBytes(size, seed: UInt64(size) + 100)
        let file = AESCrypt.encrypt(plaintext, passphrase: "Test-pässwörd-€", version: .v3, iterations: 7)
        #expect(file.count == (size / 16 + 1) * 16 + 5 + 213 + 2 + 4 + 96 + 32)
        #expect(try AESCrypt.decrypt(file, passphrase: "Test-pässwörd-€") == plaintext)
    }

    @Test func v3WritesTheIterationCountAfterTheExtensions() {
        let file = AESCrypt.encrypt([1, 2, 3], passphrase: "p", version: .v3, iterations: 0x0001_0203, extensions: [])
        #expect(Array(file[0..<11]) == [0x41, 0x45, 0x53, 3, 0, 0, 0, 0, 1, 2, 3])
    }

    @Test func v2DefaultHeaderHasDuplicatisExtensionsInOrder() throws {
        let file = AESCrypt.encrypt([], passphrase: "p")
        #expect(file.count == 349)
        #expect(Array(file[0..<5]) == [0x41, 0x45, 0x53, 2, 0])
        #expect(Array(file[5..<7]) == [0, 33])
        #expect(String(decoding: file[7..<40], as: UTF8.self) == "CREATED_BY\0SharpAESCrypt v2.0.3.0")
        #expect(Array(file[40..<42]) == [0, 23])
        #expect(String(decoding: file[42..<55], as: UTF8.self) == "CREATED_DATE\0")
        #expect(Array(file[65..<67]) == [0, 21])
        #expect(String(decoding: file[67..<80], as: UTF8.self) == "CREATED_TIME\0")
        let hour = try #require(Int(String(decoding: file[80..<82], as: UTF8.self)))
        #expect((1...12).contains(hour))
        #expect(Array(file[88..<90]) == [0, 128])
        #expect(file[90..<218].allSatisfy { $0 == 0 })
        #expect(Array(file[218..<220]) == [0, 0])
        // Empty plaintext: no blocks, length byte 0, then HMAC2.
        #expect(file[316] == 0)
    }

    @Test func customExtensionsAreWrittenAndSkipped() throws {
        let extensions: [(String, [UInt8])] = [("CREATED_BY", Array("me".utf8)), ("", []), ("X", [UInt8](repeating: 9, count: 3000))]
        let file = AESCrypt.encrypt([5, 6, 7], passphrase: "p", extensions: extensions)
        #expect(Array(file[5..<7]) == [0, 13])
        #expect(try AESCrypt.decrypt(file, passphrase: "p") == [5, 6, 7])
    }

    @Test func v2PaddingBytesCarryPKCS7Values() throws {
        for size in [1, 17, 31] {
            var file = AESCrypt.encrypt(patternBytes(size), passphrase: "p", extensions: [])
            // The length byte is not authenticated: setting it to 0 exposes the padding.
            file[file.count - 33] = 0
            let padded = try AESCrypt.decrypt(file, passphrase: "p")
            let padding = 16 - size % 16
            #expect(padded.count == size + padding)
            #expect(padded.suffix(padding).allSatisfy { Int($0) == padding })
        }
    }

    @Test func v2EncodesThePassphraseAsUTF16() throws {
        let file = AESCrypt.encrypt([1], passphrase: "é")
        // Same text, different normalization: a different UTF-16 string, so a different key.
        #expect(throws: AESCryptError.wrongPassphrase) { try AESCrypt.decrypt(file, passphrase: "e\u{301}") }
        #expect(try AESCrypt.decrypt(file, passphrase: "é") == [1])
    }

    @Test func decryptingWithCachedKeysSkipsTheKeyDerivation() throws {
        for version in [AESCryptVersion.v2, .v3] {
            let plaintext = patternBytes(100)
            let file = AESCrypt.encrypt(plaintext, passphrase: "p", version: version, iterations: 3)
            let keys = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "p").keys
            #expect(keys.version == version)
            #expect(try AESCrypt.decrypt(file, keys: keys) == plaintext)
            let other = AESCrypt.encrypt(plaintext, passphrase: "p", version: version, iterations: 3)
            #expect(throws: AESCryptError.authenticationFailed) { try AESCrypt.decrypt(other, keys: keys) }
        }
    }

    // MARK: Damage and hostile input

    @Test(arguments: [AESCryptVersion.v2, .v3])
    func wrongPassphraseIsReportedAsSuch(version: AESCryptVersion) {
        let file = AESCrypt.encrypt(patternBytes(40), passphrase: "right", version: version, iterations: 5)
        #expect(throws: AESCryptError.wrongPassphrase) { try AESCrypt.decrypt(file, passphrase: "wrong") }
        #expect(throws: AESCryptError.wrongPassphrase) { try AESCrypt.decrypt(file, passphrase: "") }
    }

    @Test(arguments: [AESCryptVersion.v2, .v3])
    func truncatedFilesAreReportedAsTruncated(version: AESCryptVersion) {
        let file = AESCrypt.encrypt(patternBytes(40), passphrase: "p", version: version, iterations: 5)
        let headerLength = version == .v2 ? 316 : 320
        for length in [0, 1, 2, 4, 5, 6, 100, 219, 250, headerLength - 1, headerLength, headerLength + 31] {
            #expect(throws: AESCryptError.truncated, "\(length)") {
                try AESCrypt.decrypt(Array(file.prefix(length)), passphrase: "p")
            }
        }
        if version == .v3 {
            // Header and HMAC2 but no padding block.
            let noBlocks = Array(file.prefix(headerLength)) + Array(file.suffix(32))
            #expect(throws: AESCryptError.truncated) { try AESCrypt.decrypt(noBlocks, passphrase: "p") }
        }
    }

    @Test(arguments: [AESCryptVersion.v2, .v3])
    func partialCiphertextBlockIsMalformed(version: AESCryptVersion) {
        let file = AESCrypt.encrypt(patternBytes(40), passphrase: "p", version: version, iterations: 5)
        #expect(throws: AESCryptError.malformed("ciphertext length 40 is not a multiple of 16")) {
            try AESCrypt.decrypt(Array(file.dropLast(8)), passphrase: "p")
        }
    }

    @Test(arguments: [AESCryptVersion.v2, .v3])
    func flippedCiphertextByteFailsAuthentication(version: AESCryptVersion) {
        let file = AESCrypt.encrypt(patternBytes(100), passphrase: "p", version: version, iterations: 5)
        let start = version == .v2 ? 316 : 320
        for position in [start, start + 50, file.count - 34, file.count - 1] {
            var damaged = file
            damaged[position] ^= 0x40
            #expect(throws: AESCryptError.authenticationFailed, "\(position)") {
                try AESCrypt.decrypt(damaged, passphrase: "p")
            }
        }
    }

    @Test func damagedKeyBlockLooksLikeAWrongPassphrase() {
        var file = AESCrypt.encrypt([1, 2, 3], passphrase: "p")
        file[240] ^= 1
        #expect(throws: AESCryptError.wrongPassphrase) { try AESCrypt.decrypt(file, passphrase: "p") }
    }

    @Test func badMagicIsNotAESCrypt() {
        var file = AESCrypt.encrypt([1, 2, 3], passphrase: "p")
        file[1] = UInt8(ascii: "X")
        #expect(throws: AESCryptError.notAESCrypt) { try AESCrypt.decrypt(file, passphrase: "p") }
        #expect(throws: AESCryptError.notAESCrypt) { try AESCrypt.decrypt(Array("PK\u{3}\u{4}".utf8), passphrase: "p") }
        #expect(throws: AESCryptError.notAESCrypt) { try AESCrypt.decrypt([0x42], passphrase: "p") }
    }

    @Test func otherVersionsAreUnsupported() {
        for version: UInt8 in [0, 1, 4, 255] {
            var file = AESCrypt.encrypt([1, 2, 3], passphrase: "p")
            file[3] = version
            #expect(throws: AESCryptError.unsupportedVersion(version)) { try AESCrypt.decrypt(file, passphrase: "p") }
        }
    }

    @Test func nonZeroReservedByteIsMalformed() {
        var file = AESCrypt.encrypt([1, 2, 3], passphrase: "p")
        file[4] = 1
        #expect(throws: AESCryptError.malformed("reserved header byte is 1, not 0")) {
            try AESCrypt.decrypt(file, passphrase: "p")
        }
    }

    @Test func v2LengthByteAbove15IsMalformed() {
        var file = AESCrypt.encrypt(patternBytes(20), passphrase: "p")
        file[file.count - 33] = 16
        #expect(throws: AESCryptError.malformed("v2 length byte 16 is above 15")) {
            try AESCrypt.decrypt(file, passphrase: "p")
        }
    }

    @Test func hugeExtensionLengthsInAShortFileAreTruncated() {
        let file: [UInt8] = [0x41, 0x45, 0x53, 2, 0, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 500)
        #expect(throws: AESCryptError.truncated) { try AESCrypt.decrypt(file, passphrase: "p") }
    }

    @Test func extensionListBeyondOneMebibyteIsMalformed() {
        var file: [UInt8] = [0x41, 0x45, 0x53, 2, 0]
        for _ in 0..<17 { file += [0xFF, 0xFF] + [UInt8](repeating: 0x41, count: 0xFFFF) }
        file += [UInt8](repeating: 0, count: 200)
        #expect(throws: AESCryptError.malformed("header longer than 1048576 bytes")) {
            try AESCrypt.decrypt(file, passphrase: "p")
        }
    }

    @Test func absurdV3IterationCountsAreMalformed() {
        let file = AESCrypt.encrypt([1, 2, 3], passphrase: "p", version: .v3, iterations: 5, extensions: [])
        for count: [UInt8] in [[0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [0, 0x4C, 0x4B, 0x41]] {
            var hostile = file
            hostile.replaceSubrange(7..<11, with: count)
            #expect(throws: AESCryptError.self) { try AESCrypt.decrypt(hostile, passphrase: "p") }
            let value = count.reduce(0) { $0 << 8 | Int($1) }
            #expect(throws: AESCryptError.malformed("KDF iteration count \(value) outside 1...5000000")) {
                try AESCrypt.decrypt(hostile, passphrase: "p")
            }
        }
    }

    @Test func v3BadPaddingIsMalformed() throws {
        // A v3 header whose ciphertext is a correctly authenticated block with invalid padding,
        // spliced from a v2 file made with the same keys (v2 adds no padding to whole blocks).
        let iv1 = patternBytes(16, seed: 1), iv2 = patternBytes(16, seed: 2), k2 = patternBytes(32, seed: 3)
        for lastBlock: [UInt8] in [[UInt8](repeating: 0, count: 16), [UInt8](repeating: 17, count: 16), (0..<16).map { UInt8($0) }, [UInt8](repeating: 4, count: 13) + [3, 3, 4]] {
            let v3 = AESCrypt.encrypt(
                [1], passphrase: "p", version: .v3, iterations: 2, extensions: [], iv1: iv1, iv2: iv2, k2: k2)
            let v2 = AESCrypt.encrypt(
                lastBlock, passphrase: "p", version: .v2, iterations: 0, extensions: [], iv1: iv1, iv2: iv2, k2: k2)
            let spliced = Array(v3.prefix(v3.count - 48)) + Array(v2.suffix(49).prefix(16)) + Array(v2.suffix(32))
            #expect(throws: AESCryptError.malformed("v3 padding is not valid PKCS#7")) {
                try AESCrypt.decrypt(spliced, passphrase: "p")
            }
            #expect(throws: AESCryptError.malformed("v3 padding is not valid PKCS#7")) {
                try AESCryptReader(ciphertext: ByteArraySource(spliced), passphrase: "p")
            }
        }
    }

    @Test func explicitSecretsMakeReproducibleFiles() {
        let iv1 = patternBytes(16, seed: 4), iv2 = patternBytes(16, seed: 5), k2 = patternBytes(32, seed: 6)
        let a = AESCrypt.encrypt([1, 2], passphrase: "p", version: .v2, iterations: 0, extensions: [], iv1: iv1, iv2: iv2, k2: k2)
        let b = AESCrypt.encrypt([1, 2], passphrase: "p", version: .v2, iterations: 0, extensions: [], iv1: iv1, iv2: iv2, k2: k2)
        #expect(a == b)
        #expect(Array(a[7..<23]) == iv1)
    }
}
