import Testing

import Digests

@Suite struct HMACSHA256Tests {
    /// RFC 4231 test cases 1, 2, 4 and 6, plus the empty key and message.
    static let cases: [(key: [UInt8], data: [UInt8], tag: String)] = [
        (
            [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            Array(1...25), [UInt8](repeating: 0xcd, count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        ([], [], "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"),
    ]

    @Test func oneShotMatchesRFC4231() {
        for (key, data, tag) in Self.cases {
            #expect(hex(HMACSHA256.authenticate(data, key: key)) == tag)
        }
    }

    @Test func streamingInPiecesEqualsOneShot() {
        for (key, data, tag) in Self.cases {
            let authenticator = HMACSHA256.makeAuthenticator(key: key)
            for index in stride(from: 0, to: data.count, by: 3) {
                authenticator.update(Array(data[index..<min(index + 3, data.count)]))
            }
            #expect(hex(authenticator.finalize()) == tag)
        }
    }

    @Test func streamingHMACWorksWithOtherHashes() {
        // RFC 4231 test case 2 for SHA-512.
        let authenticator = StreamingHMAC(algorithm: .sha512, key: Array("Jefe".utf8))
        authenticator.update(Array("what do ya want for nothing?".utf8))
        #expect(
            hex(authenticator.finalize())
                == "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        )
    }

    @Test func tagComparisonDetectsAnyDifference() {
        let tag = HMACSHA256.authenticate([1, 2, 3], key: [4])
        #expect(HMACSHA256.tagsEqual(tag, tag))
        var changed = tag
        changed[31] ^= 1
        #expect(!HMACSHA256.tagsEqual(tag, changed))
        #expect(!HMACSHA256.tagsEqual(tag, Array(tag.prefix(31))))
        #expect(HMACSHA256.tagsEqual([], []))
    }
}
