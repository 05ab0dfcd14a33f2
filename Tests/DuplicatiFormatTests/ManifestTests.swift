import Testing
@testable import DuplicatiFormat

@Suite struct ManifestTests {
    static let example = #"{"Version":2,"Created":"20250203T040506Z","Encoding":"utf8","Blocksize":1048576,"BlockHash":"SHA256","FileHash":"SHA256","AppVersion":"2.1.0.5"}"#

    @Test func parsesTheDocumentedExample() throws {
        let manifest = try Manifest.parse(Array(Self.example.utf8))
        #expect(manifest.version == 2)
        #expect(manifest.created == "20250203T040506Z")
        #expect(manifest.encoding == "utf8")
        #expect(manifest.blocksize == 1_048_576)
        #expect(manifest.blockHash == "SHA256")
        #expect(manifest.fileHash == "SHA256")
        #expect(manifest.appVersion == "2.1.0.5")
        #expect(manifest.blockHashAlgorithm == .sha256)
        #expect(manifest.blockHashAlgorithm.digestSize == 32)
    }

    @Test func acceptsAByteOrderMark() throws {
        let manifest = try Manifest.parse([0xEF, 0xBB, 0xBF] + Array(Self.example.utf8))
        #expect(manifest.blocksize == 1_048_576)
    }

    @Test func acceptsVersion1WithoutAppVersionAndAnyKeyOrder() throws {
        let text = #"""
         { "FileHash" : "sha1", "Blocksize" : 102400, "BlockHash":"MD5", "Version":1,
           "Encoding":"utf8", "Created":"20150101T000000Z", "Extra": {"a":[1,2,{"b":null}]} }
        """#
        let manifest = try Manifest.parse(Array(text.utf8))
        #expect(manifest.version == 1)
        #expect(manifest.appVersion == nil)
        #expect(manifest.blocksize == 102_400)
        #expect(manifest.blockHashAlgorithm == .md5)
        #expect(manifest.fileHashAlgorithm == .sha1)
        #expect(manifest.fileHash == "sha1")
    }

    @Test func matchesMemberNamesIgnoringCase() throws {
        let text = #"{"version":2,"blocksize":1024,"blockhash":"SHA512","filehash":"SHA384"}"#
        let manifest = try Manifest.parse(Array(text.utf8))
        #expect(manifest.blockHashAlgorithm.digestSize == 64)
        #expect(manifest.encoding == nil)
    }

    @Test func rejectsNewerVersions() {
        let text = Self.example.replacingOccurrences(of: #""Version":2"#, with: #""Version":3"#)
        #expect(throws: DuplicatiFormatError.unsupportedManifestVersion(3)) {
            try Manifest.parse(Array(text.utf8))
        }
        let zero = Self.example.replacingOccurrences(of: #""Version":2"#, with: #""Version":0"#)
        #expect(throws: DuplicatiFormatError.unsupportedManifestVersion(0)) {
            try Manifest.parse(Array(zero.utf8))
        }
    }

    @Test func rejectsInsaneBlockSizes() {
        for size in ["0", "1023", "-1048576", "1073741825", "99999999999999999999", "1.5", "\"1024\""] {
            let text = Self.example.replacingOccurrences(of: "1048576", with: size)
            #expect(throws: DuplicatiFormatError.self) { try Manifest.parse(Array(text.utf8)) }
        }
        let text = Self.example.replacingOccurrences(of: "1048576", with: "1073741824")
        #expect((try? Manifest.parse(Array(text.utf8)))?.blocksize == 1 << 30)
    }

    @Test func rejectsMissingFieldsAndUnknownValues() {
        #expect(throws: DuplicatiFormatError.missingField("Blocksize")) {
            try Manifest.parse(Array(#"{"Version":2,"BlockHash":"SHA256","FileHash":"SHA256"}"#.utf8))
        }
        #expect(throws: DuplicatiFormatError.missingField("Version")) {
            try Manifest.parse(Array(#"{"Blocksize":1024,"BlockHash":"SHA256","FileHash":"SHA256"}"#.utf8))
        }
        #expect(throws: DuplicatiFormatError.invalidValue("BlockHash CRC32")) {
            try Manifest.parse(Array(#"{"Version":2,"Blocksize":1024,"BlockHash":"CRC32","FileHash":"SHA256"}"#.utf8))
        }
        #expect(throws: DuplicatiFormatError.invalidValue("Encoding utf16")) {
            try Manifest.parse(Array(Self.example.replacingOccurrences(of: "utf8", with: "utf16").utf8))
        }
    }

    @Test func rejectsJunk() {
        let junk: [[UInt8]] = [
            [], [0xEF, 0xBB, 0xBF], Array("[]".utf8), Array("null".utf8), Array("{".utf8),
            Array(Self.example.dropLast().utf8), Array((Self.example + "x").utf8),
            Array((Self.example + "{}").utf8), [0x00, 0x01, 0xFF], Array("{\"Version\":2,}".utf8),
            Array(repeating: UInt8(ascii: "["), count: 100_000),
            Array("{\"Deep\":".utf8) + Array(repeating: UInt8(ascii: "["), count: 100_000),
        ]
        for bytes in junk {
            #expect(throws: DuplicatiFormatError.self) { try Manifest.parse(bytes) }
        }
    }
}
