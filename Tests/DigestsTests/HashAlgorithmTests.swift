import Testing

import Digests

@Suite struct HashAlgorithmTests {
    /// FIPS 180 / RFC 1321 known answers for "abc" and the empty message.
    static let knownAnswers: [(HashAlgorithm, abc: String, empty: String)] = [
        (.md5, "900150983cd24fb0d6963f7d28e17f72", "d41d8cd98f00b204e9800998ecf8427e"),
        (.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        (
            .sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ),
        (
            .sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
            "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"
        ),
        (
            .sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        ),
    ]

    @Test func oneShotDigestsMatchKnownAnswers() {
        #expect(Self.knownAnswers.count == HashAlgorithm.allCases.count)
        for (algorithm, abc, empty) in Self.knownAnswers {
            #expect(hex(algorithm.digest(Array("abc".utf8))) == abc, "\(algorithm)")
            #expect(hex(algorithm.digest([])) == empty, "\(algorithm)")
            #expect(algorithm.digest([]).count == algorithm.digestSize)
        }
    }

    @Test func rawBufferDigestEqualsArrayDigest() {
        let message = Array("The quick brown fox jumps over the lazy dog".utf8)
        for algorithm in HashAlgorithm.allCases {
            let viaBuffer = message.withUnsafeBytes { algorithm.digest($0) }
            #expect(viaBuffer == algorithm.digest(message))
        }
    }

    @Test func millionAsMatchesKnownSHA256() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(
            hex(HashAlgorithm.sha256.digest(message))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func duplicatiNamesAreCaseInsensitive() {
        #expect(HashAlgorithm(duplicatiName: "SHA256") == .sha256)
        #expect(HashAlgorithm(duplicatiName: "sha256") == .sha256)
        #expect(HashAlgorithm(duplicatiName: "Sha1") == .sha1)
        #expect(HashAlgorithm(duplicatiName: "md5") == .md5)
        #expect(HashAlgorithm(duplicatiName: "SHA384") == .sha384)
        #expect(HashAlgorithm(duplicatiName: "sha512") == .sha512)
        #expect(HashAlgorithm(duplicatiName: "SHA-256") == nil)
        #expect(HashAlgorithm(duplicatiName: "") == nil)
        for algorithm in HashAlgorithm.allCases {
            #expect(HashAlgorithm(duplicatiName: algorithm.rawValue) == algorithm)
        }
    }
}

/// Lower-case hex of bytes.
func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}

/// Bytes of a hex string (test literals only).
func bytes(hex text: String) -> [UInt8] {
    let characters = Array(text.utf8)
    return stride(from: 0, to: characters.count, by: 2).map {
        UInt8(String(decoding: characters[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}
