import ByteSource
import Foundation
import Testing

import AESCrypt

@Suite struct AESCryptReaderTests {
    /// Offsets and counts around block boundaries.
    static let interesting = [0, 1, 2, 14, 15, 16, 17, 31, 32, 33, 47, 48, 49, 100, 255, 256, 257, 1000]

    @Test(.enabled(if: OfficialVector.available, "needs ../shared/testdata"))
    func officialVectorsReadCorrectlyAtManyRanges() throws {
        for vector in try OfficialVector.load() {
            let plaintext = vector.plaintextBytes
            let reader = try AESCryptReader(ciphertext: ByteArraySource(vector.file), passphrase: vector.password)
            #expect(reader.size == Int64(plaintext.count), "\(vector)")
            #expect(try reader.readAll() == plaintext, "\(vector)")
            for offset in Self.interesting where offset <= plaintext.count {
                for count in Self.interesting {
                    let expected = Array(plaintext[offset..<min(plaintext.count, offset + count)])
                    #expect(try reader.read(at: Int64(offset), count: count) == expected, "\(vector) \(offset)+\(count)")
                }
            }
            try reader.verifyAuthentication(chunkSize: 16)
        }
    }

    @Test(arguments: [AESCryptVersion.v2, .v3])
    func randomReadsOfALargeFileMatchThePlaintext(version: AESCryptVersion) throws {
        let plaintext = patternBytes(300_007, seed: 9)
        let file = AESCrypt.encrypt(plaintext, passphrase: "pw", version: version, iterations: 10)
        let reader = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "pw")
        #expect(reader.size == Int64(plaintext.count))
        var generator = SplitMix(seed: 42)
        for _ in 0..<3000 {
            let offset = Int(generator.next() % UInt64(plaintext.count + 10))
            let count = Int(generator.next() % (generator.next() % 2 == 0 ? 40 : 70_000))
            let expected = offset < plaintext.count ? Array(plaintext[offset..<min(plaintext.count, offset + count)]) : []
            #expect(try reader.read(at: Int64(offset), count: count) == expected, "\(offset)+\(count)")
        }
        #expect(try reader.readAll() == plaintext)
        try reader.verifyAuthentication(chunkSize: 4096)
        try reader.verifyAuthentication()
    }

    @Test func readsOutsideThePlaintextAreEmpty() throws {
        let file = AESCrypt.encrypt(patternBytes(50), passphrase: "p")
        let reader = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "p")
        #expect(try reader.read(at: 50, count: 10) == [])
        #expect(try reader.read(at: 1000, count: 10) == [])
        #expect(try reader.read(at: -1, count: 10) == [])
        #expect(try reader.read(at: 10, count: 0) == [])
        #expect(try reader.read(at: 10, count: -5) == [])
        #expect(try reader.read(at: 45, count: Int.max) == Array(patternBytes(50)[45...]))
    }

    @Test func emptyPlaintextHasSizeZero() throws {
        for version in [AESCryptVersion.v2, .v3] {
            let file = AESCrypt.encrypt([], passphrase: "p", version: version, iterations: 1)
            let reader = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "p")
            #expect(reader.size == 0)
            #expect(try reader.read(at: 0, count: 100) == [])
            try reader.verifyAuthentication()
        }
    }

    @Test(arguments: [AESCryptVersion.v2, .v3])
    func readFetchesOnlyTheBlocksItNeeds(version: AESCryptVersion) throws {
        let plaintext = patternBytes(10_000, seed: 3)
        let file = AESCrypt.encrypt(plaintext, passphrase: "p", version: version, iterations: 2)
        let source = RecordingSource(file)
        let reader = try AESCryptReader(ciphertext: source, passphrase: "p")
        let start = reader.keys.ciphertextOffset
        _ = source.takeReads()
        for (offset, count) in [(0, 1), (0, 16), (5, 20), (16, 16), (17, 1), (4000, 123), (9990, 100)] {
            let bytes = try reader.read(at: Int64(offset), count: count)
            #expect(bytes == Array(plaintext[offset..<min(10_000, offset + count)]))
            let range = reader.ciphertextRange(plaintextOffset: Int64(offset), count: count)
            #expect(source.takeReads() == [range], "\(offset)+\(count)")
            let end = min(10_000, offset + count)
            let firstBlock = offset / 16
            #expect(range.lowerBound == start + Int64(16 * max(0, firstBlock - 1)))
            #expect(range.upperBound == start + Int64(16 * ((end - 1) / 16 + 1)))
        }
    }

    @Test func ciphertextRangeOfAnEmptyReadIsEmpty() throws {
        let file = AESCrypt.encrypt(patternBytes(50), passphrase: "p")
        let reader = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "p")
        #expect(reader.ciphertextRange(plaintextOffset: 10, count: 0).isEmpty)
        #expect(reader.ciphertextRange(plaintextOffset: 60, count: 10).isEmpty)
    }

    @Test func decryptFromBytesFetchedElsewhere() throws {
        let plaintext = patternBytes(5000, seed: 5)
        let file = AESCrypt.encrypt(plaintext, passphrase: "p", version: .v3, iterations: 3)
        let reader = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "p")
        for (offset, count) in [(0, 5000), (33, 100), (4999, 1), (1000, 1)] {
            let range = reader.ciphertextRange(plaintextOffset: Int64(offset), count: count)
            let exact = Array(file[Int(range.lowerBound)..<Int(range.upperBound)])
            let expected = Array(plaintext[offset..<offset + count])
            #expect(
                try reader.decrypt(plaintextOffset: Int64(offset), count: count, ciphertext: exact, ciphertextOffset: range.lowerBound)
                    == expected)
            // A wider window, e.g. a whole cached file, works as well.
            #expect(try reader.decrypt(plaintextOffset: Int64(offset), count: count, ciphertext: file, ciphertextOffset: 0) == expected)
            #expect(throws: AESCryptError.self) {
                try reader.decrypt(
                    plaintextOffset: Int64(offset), count: count, ciphertext: Array(exact.dropLast()),
                    ciphertextOffset: range.lowerBound)
            }
            #expect(throws: AESCryptError.self) {
                try reader.decrypt(
                    plaintextOffset: Int64(offset), count: count, ciphertext: Array(exact.dropFirst()),
                    ciphertextOffset: range.lowerBound + 1)
            }
        }
    }

    @Test(arguments: [AESCryptVersion.v2, .v3])
    func cachedKeysReopenTheFileWithoutThePassphrase(version: AESCryptVersion) throws {
        let plaintext = patternBytes(777, seed: 6)
        let file = AESCrypt.encrypt(plaintext, passphrase: "p", version: version, iterations: 4)
        let keys = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "p").keys
        let reader = try AESCryptReader(ciphertext: ByteArraySource(file), keys: keys)
        #expect(reader.size == 777)
        #expect(try reader.read(at: 100, count: 300) == Array(plaintext[100..<400]))
    }

    @Test(arguments: [AESCryptVersion.v2, .v3])
    func openingReportsWrongPassphraseTruncationAndDamage(version: AESCryptVersion) throws {
        let file = AESCrypt.encrypt(patternBytes(100), passphrase: "p", version: version, iterations: 4)
        #expect(throws: AESCryptError.wrongPassphrase) {
            try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "q")
        }
        for length in [0, 3, 200, 330] {
            #expect(throws: AESCryptError.truncated, "\(length)") {
                try AESCryptReader(ciphertext: ByteArraySource(Array(file.prefix(length))), passphrase: "p")
            }
        }
        var damaged = file
        damaged[file.count - 100] ^= 1  // a middle block: opening still works
        let reader = try AESCryptReader(ciphertext: ByteArraySource(damaged), passphrase: "p")
        #expect(throws: AESCryptError.authenticationFailed) { try reader.verifyAuthentication() }
        #expect(throws: AESCryptError.authenticationFailed) { try reader.verifyAuthentication(chunkSize: 1) }
    }

    @Test func openingRejectsForeignAndHostileHeaders() {
        #expect(throws: AESCryptError.notAESCrypt) {
            try AESCryptReader(ciphertext: ByteArraySource(Array("PK\u{3}\u{4} not encrypted".utf8)), passphrase: "p")
        }
        #expect(throws: AESCryptError.unsupportedVersion(1)) {
            try AESCryptReader(ciphertext: ByteArraySource([0x41, 0x45, 0x53, 1, 0] + [UInt8](repeating: 0, count: 200)), passphrase: "p")
        }
        let hugeExtension: [UInt8] = [0x41, 0x45, 0x53, 3, 0, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 5000)
        #expect(throws: AESCryptError.truncated) {
            try AESCryptReader(ciphertext: ByteArraySource(hugeExtension), passphrase: "p")
        }
        var endless: [UInt8] = [0x41, 0x45, 0x53, 2, 0]
        for _ in 0..<20 { endless += [0xFF, 0xFF] + [UInt8](repeating: 1, count: 0xFFFF) }
        #expect(throws: AESCryptError.malformed("header longer than 1048576 bytes")) {
            try AESCryptReader(ciphertext: ByteArraySource(endless), passphrase: "p")
        }
    }

    @Test(arguments: [AESCryptVersion.v2, .v3])
    func minimalHeaderWithoutExtensionsReadsByRange(version: AESCryptVersion) throws {
        // --aes-minimal-header: the extension list is only its 00 00 terminator.
        let plaintext = patternBytes(10_000, seed: 11)
        let file = AESCrypt.encrypt(plaintext, passphrase: "min", version: version, iterations: 4, extensions: [])
        #expect(Array(file[5..<7]) == [0, 0])
        let reader = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "min")
        // magic, version, reserved (5) + terminator (2) [+ v3 iterations (4)] + IV1, key block, HMAC1 (96)
        #expect(reader.keys.ciphertextOffset == (version == .v2 ? 103 : 107))
        #expect(reader.size == 10_000)
        #expect(try reader.read(at: 4_093, count: 1_000) == Array(plaintext[4_093..<5_093]))
        #expect(try reader.readAll() == plaintext)
        try reader.verifyAuthentication()
        #expect(try AESCrypt.decrypt(file, passphrase: "min") == plaintext)
    }

    @Test func longExtensionListsAreReadInSeveralSteps() throws {
        let extensions = (0..<40).map { ("EXT\($0)", patternBytes(1000, seed: UInt64($0))) }
        let plaintext = patternBytes(300, seed: 8)
        let file = AESCrypt.encrypt(plaintext, passphrase: "p", extensions: extensions)
        let source = RecordingSource(file)
        let reader = try AESCryptReader(ciphertext: source, passphrase: "p")
        #expect(reader.keys.ciphertextOffset > 40_000)
        #expect(try reader.readAll() == plaintext)
        #expect(source.takeReads().count < 12)
    }

    @Test func sourceErrorsPropagateUnchanged() throws {
        let plaintext = patternBytes(5000)
        let file = AESCrypt.encrypt(plaintext, passphrase: "p")
        #expect(throws: StorageFailure(offset: 0)) {
            try AESCryptReader(ciphertext: FailingSource(file, failing: 0..<1), passphrase: "p")
        }
        #expect(throws: StorageFailure.self) {
            try AESCryptReader(ciphertext: FailingSource(file, failing: Int64(file.count - 33)..<Int64(file.count)), passphrase: "p")
        }
        let reader = try AESCryptReader(ciphertext: FailingSource(file, failing: 3000..<3001), passphrase: "p")
        #expect(try reader.read(at: 0, count: 100) == Array(plaintext[0..<100]))
        #expect(throws: StorageFailure(offset: 316 + 16 * (2600 / 16 - 1))) { try reader.read(at: 2600, count: 100) }
        #expect(throws: StorageFailure.self) { try reader.verifyAuthentication() }
    }

    @Test func sourceReturningTooFewBytesIsTruncated() throws {
        let file = AESCrypt.encrypt(patternBytes(1000), passphrase: "p")
        let keys = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "p").keys
        let shrunk = ShortSource(base: ByteArraySource(file), limit: 32)
        let reader = try AESCryptReader(ciphertext: shrunk, keys: keys)
        #expect(throws: AESCryptError.truncated) { try reader.read(at: 600, count: 100) }
        #expect(throws: AESCryptError.truncated) { try reader.verifyAuthentication() }
        // The header read may come back short: it only needs its first bytes.
        #expect(try AESCryptReader(ciphertext: shrunk, passphrase: "p").size == 1000)
    }

    @Test func concurrentReadsReturnTheRightBytes() async throws {
        let plaintext = patternBytes(200_000, seed: 11)
        let file = AESCrypt.encrypt(plaintext, passphrase: "p", version: .v3, iterations: 2)
        let reader = try AESCryptReader(ciphertext: ByteArraySource(file), passphrase: "p")
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var generator = SplitMix(seed: UInt64(task))
                    var bad = 0
                    for _ in 0..<500 {
                        let offset = Int(generator.next() % 200_000)
                        let count = Int(generator.next() % 5000)
                        let got = try reader.read(at: Int64(offset), count: count)
                        if got != Array(plaintext[offset..<min(200_000, offset + count)]) { bad += 1 }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}

/// A small deterministic generator so failing cases reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
