import Testing
@testable import DuplicatiFormat

@Suite struct BlockHashNameTests {
    @Test func entryNamesAreBase64URLWithPadding() {
        #expect(BlockHashName.entryName(base64: "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
                == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=")
        #expect(BlockHashName.base64(entryName: "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=")
                == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
        #expect(BlockHashName.base64(entryName: "iilbVcY29K65h4dUYxYIxwze7AGcjUEvzbCt9qA4q0g=") != nil)
    }

    @Test func otherEntriesAreNotBlocks() {
        for name in ["manifest", "filelist.json", "fileset", "list/abcd", "vol/x", "", "abc", "ab==c===",
                     "ab+d", "ab/d", "a===", "====", "ab=d", "abcd\u{e9}fgh", "abc "] {
            #expect(BlockHashName.base64(entryName: name) == nil, "\(name)")
        }
        #expect(BlockHashName.base64(entryName: "abcd") == "abcd")
        #expect(BlockHashName.base64(entryName: "ab==") == "ab==")
    }

    @Test func splitsBlocklistsIntoHashes() throws {
        let raw: [UInt8] = Array(0..<64)
        let hashes = try BlockHashName.hashes(inBlocklist: raw, hashSize: 32)
        #expect(hashes.count == 2)
        #expect(hashes[0] == BlockHashName.base64(raw: raw[0..<32]))
        #expect(BlockHashName.raw(base64: hashes[1]) == Array(raw[32..<64]))
        #expect(try BlockHashName.hashes(inBlocklist: [], hashSize: 32).isEmpty)
        #expect(throws: DuplicatiFormatError.self) { try BlockHashName.hashes(inBlocklist: raw, hashSize: 48) }
        #expect(throws: DuplicatiFormatError.self) { try BlockHashName.hashes(inBlocklist: raw, hashSize: 0) }
    }

    @Test func base64MatchesKnownVectors() {
        let vectors: [(String, String)] = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
                                           ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(BlockHashName.base64(raw: Array(plain.utf8)) == encoded)
            #expect(BlockHashName.raw(base64: encoded) == Array(plain.utf8))
        }
        #expect(BlockHashName.raw(base64: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")?.count == 32)
        for bad in ["Zg=", "Zh==", "Zm9=", "Z===", "Zg==Zg==", "Zm9v-A==", "Zm 9"] {
            #expect(BlockHashName.raw(base64: bad) == nil, "\(bad)")
        }
        var generator = SystemRandomNumberGenerator()
        for length in 0..<100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(BlockHashName.raw(base64: BlockHashName.base64(raw: bytes)) == bytes)
        }
    }
}
