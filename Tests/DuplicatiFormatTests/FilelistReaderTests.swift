import Testing
@testable import DuplicatiFormat

@Suite struct FilelistReaderTests {
    /// The §6.2 example, verbatim apart from line breaks.
    static let example = #"""
    [{"type":"Folder","path":"/src/","metahash":"sIdvT0mnL79P7XnR4tVE5I1kXYzArXjqSB0PqL/04c8=","metasize":192},
     {"type":"Symlink","path":"/src/link","metahash":"DVA+Wp/iQYqcRltKhHZse5qHcUYPBdj9FJL5itlZilo=","metasize":221},
     {"type":"File","path":"/src/big.bin","hash":"TDflT6P627Oaz+FyiW/DYn1bV9yIgfazgO2M/Fr8NSk=","size":34916,
      "time":"20250203T040506Z","metahash":"jrTF6QOp/2AnHw1MMIW2kaDuVViqXRZOmWjfZzn+RO8=","metasize":189,
      "blocklists":["AKdXMdlwBy4QDzHR3lDGEogL/8K9D11K+90IOFwoOSU=","CDCW7N+XBY2K9lxPBVq6q0mgwfOhHJJImyKpmrbHg/U="]},
     {"type":"File","path":"/src/empty.txt","hash":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","size":0,
      "time":"20250203T040506Z","metahash":"jrTF6QOp/2AnHw1MMIW2kaDuVViqXRZOmWjfZzn+RO8=","metasize":189},
     {"type":"File","path":"/src/small.txt","hash":"+qvVcvJjfzgxSG/uN0N8+lvRZTaDX9aEF0BTmsmavPE=","size":96,
      "time":"20250203T040506Z","metahash":"jrTF6QOp/2AnHw1MMIW2kaDuVViqXRZOmWjfZzn+RO8=","metasize":189}]
    """#

    static func parse(_ text: String, bom: Bool = false) throws -> [FilelistEntry] {
        try FilelistReader.parseAll((bom ? [0xEF, 0xBB, 0xBF] : []) + Array(text.utf8))
    }

    /// Feeds `bytes` in chunks whose sizes come from `chunkSize`.
    static func parseInChunks(_ bytes: [UInt8], chunkSize: () -> Int) throws -> [FilelistEntry] {
        var reader = FilelistReader()
        var entries: [FilelistEntry] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + max(1, chunkSize()))
            try Array(bytes[start..<end]).withUnsafeBytes { chunk in
                try reader.consume(chunk) { entries.append($0) }
            }
            start = end
        }
        try reader.finish()
        return entries
    }

    @Test func parsesTheDocumentedExample() throws {
        let entries = try Self.parse(Self.example)
        #expect(entries.map(\.kind) == [.folder, .symlink, .file, .file, .file])
        #expect(entries.map(\.path) == ["/src/", "/src/link", "/src/big.bin", "/src/empty.txt", "/src/small.txt"])
        let folder = entries[0]
        #expect(folder.size == 0)
        #expect(folder.hash == nil)
        #expect(folder.metahash == "sIdvT0mnL79P7XnR4tVE5I1kXYzArXjqSB0PqL/04c8=")
        #expect(folder.metasize == 192)
        let big = entries[2]
        #expect(big.size == 34_916)
        #expect(big.hash == "TDflT6P627Oaz+FyiW/DYn1bV9yIgfazgO2M/Fr8NSk=")
        #expect(big.time == "20250203T040506Z")
        #expect(big.blocklists == ["AKdXMdlwBy4QDzHR3lDGEogL/8K9D11K+90IOFwoOSU=", "CDCW7N+XBY2K9lxPBVq6q0mgwfOhHJJImyKpmrbHg/U="])
        #expect(big.metablocklists.isEmpty)
        #expect(big.blockhash == nil)
        #expect(entries[3].size == 0)
        #expect(entries[3].blocklists.isEmpty)
        #expect(entries[4].size == 96)
    }

    @Test func chunkingNeverChangesTheResult() throws {
        let bytes = [0xEF, 0xBB, 0xBF] + Array(Self.example.utf8)
        let whole = try FilelistReader.parseAll(bytes)
        #expect(whole.count == 5)
        #expect(try Self.parseInChunks(bytes) { 1 } == whole)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let bound = Int.random(in: 1...64, using: &generator)
            #expect(try Self.parseInChunks(bytes) { Int.random(in: 1...bound, using: &generator) } == whole)
        }
        // Every split point of the document into two chunks.
        for split in 0...bytes.count {
            var reader = FilelistReader()
            var entries: [FilelistEntry] = []
            try reader.consume(Array(bytes[..<split])) { entries.append($0) }
            try reader.consume(Array(bytes[split...])) { entries.append($0) }
            try reader.finish()
            #expect(entries == whole)
        }
    }

    @Test func emptyChunksAndEmptyListAreFine() throws {
        var reader = FilelistReader()
        var count = 0
        try reader.consume([]) { _ in count += 1 }
        try reader.consume(Array(" [ \n\t] \r\n".utf8)) { _ in count += 1 }
        try reader.consume([]) { _ in count += 1 }
        try reader.finish()
        #expect(count == 0)
        #expect(try Self.parse("[]", bom: true).isEmpty)
    }

    @Test func acceptsAByteOrderMark() throws {
        #expect(try Self.parse(Self.example, bom: true) == Self.parse(Self.example))
    }

    @Test func decodesEveryEscape() throws {
        let text = #"""
        [{"type":"File","path":"C:\\Users\\ann\\caf\u00e9 \ud83d\ude00 \"q\" \/ \b\f\n\r\t.txt","hash":"h","size":1},
         {"type":"File","path":"/raw/café 😀 日本","hash":"h","size":2}]
        """#
        let entries = try Self.parse(text)
        #expect(entries[0].path.unicodeScalars.elementsEqual(
            "C:\\Users\\ann\\caf\u{e9} \u{1F600} \"q\" / \u{8}\u{C}\n\r\t.txt".unicodeScalars))
        #expect(Array(entries[1].path.utf8) == Array("/raw/café 😀 日本".utf8))
    }

    @Test func keepsDecomposedNamesByteExact() throws {
        // NFD "é" must not become NFC: paths are stored verbatim.
        let entries = try Self.parse("[{\"type\":\"Folder\",\"path\":\"/e\u{301}/\"}]")
        #expect(Array(entries[0].path.utf8) == [0x2F, 0x65, 0xCC, 0x81, 0x2F])
    }

    @Test func acceptsAnyKeyOrderAndSkipsUnknownKeys() throws {
        let text = #"""
        [ { "extra" : { "nested" : [ 1, 2.5e-3, { "deep": [ [ ], { } ] }, "}]" ] },
            "size" : 5, "blocklists" : [ "a", "b" ], "path" : "/x", "future": null,
            "hash" : "h", "type" : "File", "flag": true, "metasize" : 3, "metahash" : "m" } ]
        """#
        let entries = try Self.parse(text)
        #expect(entries == [FilelistEntry(kind: .file, path: "/x", hash: "h", size: 5, metahash: "m",
                                          metasize: 3, blocklists: ["a", "b"])])
    }

    @Test func readsOptionalHashFields() throws {
        let text = #"""
        [{"type":"File","path":"/a","hash":"h","size":10,"time":"20250203T040506Z","metahash":"m","metasize":4,
          "metablockhash":"mb","blockhash":"bh","blocksize":10},
         {"type":"Folder","path":"/d/","metahash":"m","metasize":99999,"metablocklists":["l1"]}]
        """#
        let entries = try Self.parse(text)
        #expect(entries[0].metablockhash == "mb")
        #expect(entries[0].blockhash == "bh")
        #expect(entries[0].blocksize == 10)
        #expect(entries[1].metablocklists == ["l1"])
    }

    @Test func folderAndSymlinkDropContentFields() throws {
        let text = #"[{"type":"Symlink","path":"/l","hash":"h","size":7,"time":"t","blocklists":["x"]}]"#
        let entry = try #require(Self.parse(text).first)
        #expect(entry == FilelistEntry(kind: .symlink, path: "/l"))
    }

    @Test func matchesTypeIgnoringCase() throws {
        let text = #"[{"type":"FOLDER","path":"/a/"},{"type":"symlink","path":"/b"},{"type":"file","path":"/c","hash":"h","size":0}]"#
        #expect(try Self.parse(text).map(\.kind) == [.folder, .symlink, .file])
    }

    @Test func skipsUnknownTypesAndAlternateStreams() throws {
        let text = #"""
        [{"type":"Folder","path":"/a/"},
         {"type":"Hardlink","path":"/b","size":"not a number","weird":{"x":[{"y":"}"}]}},
         {"type":"AlternateStream","path":"/c:stream","hash":"h","size":1},
         {"type":"","path":"/d"},
         {"type":"File","path":"/e","hash":"h","size":1}]
        """#
        var reader = FilelistReader()
        var paths: [String] = []
        try reader.consume(Array(text.utf8)) { paths.append($0.path) }
        try reader.finish()
        #expect(paths == ["/a/", "/e"])
        #expect(reader.skippedObjects == 3)
    }

    @Test func rejectsMissingOrBadFieldsOfKnownTypes() {
        let cases: [(String, DuplicatiFormatError)] = [
            (#"[{"path":"/a"}]"#, .missingField("type")),
            (#"[{"type":"Folder"}]"#, .missingField("path")),
            (#"[{"type":"File","path":"/a","size":1}]"#, .missingField("hash")),
            (#"[{"type":"File","path":"/a","hash":"h"}]"#, .missingField("size")),
            (#"[{"type":"File","path":"/a","hash":"h","size":-1}]"#, .invalidValue("size -1")),
            (#"[{"type":"File","path":"/a","hash":"h","size":"1"}]"#, .invalidValue("size: expected an integer")),
            (#"[{"type":"File","path":"/a","hash":"h","size":1.5}]"#, .invalidValue("size: expected an integer")),
            (#"[{"type":"File","path":"/a","hash":"h","size":99999999999999999999}]"#, .invalidValue("size: number out of range")),
            (#"[{"type":"File","path":7,"hash":"h","size":1}]"#, .invalidValue("path: expected a string")),
            (#"[{"type":"File","path":"/a","hash":"h","size":1,"blocklists":["a",1]}]"#, .invalidValue("blocklists: expected strings")),
            (#"[{"type":"File","path":"/a","hash":"h","size":1,"blocklists":"a"}]"#, .invalidValue("blocklists: expected an array")),
        ]
        for (text, expected) in cases {
            #expect(throws: expected) { try Self.parse(text) }
        }
    }

    @Test func rejectsBadSyntax() {
        let cases = [
            "", " ", "{}", "[", "[{", #"[{"type""#, #"[{"type":"File","#, #"[{"type":"Folder","path":"/a/"}"#,
            #"[{"type":"Folder","path":"/a/"},]"#, #"[,]"#, "[1]", #"["x"]"#, "[[]]", "[null]",
            #"[{"type":"Folder","path":"/a/"}] x"#, #"[{"type":"Folder","path":"/a/"}][]"#,
            #"[{"type":"Folder","path":"/a/",}]"#, #"[{"type":"Folder" "path":"/a/"}]"#,
            #"[{"type":"Folder","path":"/a/"]"#, #"[{"type":"Folder","path":"/a/\x"}]"#,
            #"[{"type":"Folder","path":"/a/\ud800"}]"#, #"[{"type":"Folder","path":"/a/\udc00\ud800"}]"#,
            #"[{"type":"Folder","path":"/a/\u12"}]"#, "[{\"type\":\"Folder\",\"path\":\"/a\u{1}/\"}]",
            #"[{"type":"Folder","path":"/a/","x":01}]"#, #"[{"type":"Folder","path":"/a/","x":tru}]"#,
            #"[{"type":"Folder","path":"/a/","x":-}]"#, #"[{"type":"Folder","path":"/a/","x":1.}]"#,
            #"[{"type":"Folder","path":"/a/","x":[1 2]}]"#, #"[{"type":"Folder","path":"/a/","x":NaN}]"#,
        ]
        for text in cases {
            #expect(throws: DuplicatiFormatError.self, "\(text)") { try Self.parse(text) }
        }
        // Invalid UTF-8 and a broken BOM.
        #expect(throws: DuplicatiFormatError.self) {
            try FilelistReader.parseAll(Array(#"[{"type":"Folder","path":"/"#.utf8) + [0xC3, 0x28] + Array(#""}]"#.utf8))
        }
        #expect(throws: DuplicatiFormatError.self) { try FilelistReader.parseAll([0xEF, 0xBB, 0x5B, 0x5D]) }
    }

    @Test func truncatedInputThrowsAtFinish() throws {
        let bytes = Array(Self.example.utf8)
        for cut in stride(from: 0, to: bytes.count - 1, by: 7) {
            var reader = FilelistReader()
            try reader.consume(Array(bytes[..<cut])) { _ in }
            #expect(throws: DuplicatiFormatError.self) { try reader.finish() }
        }
    }

    @Test func oversizedObjectThrows() throws {
        var reader = FilelistReader(maxObjectBytes: 1_000)
        let big = #"[{"type":"File","path":""# + String(repeating: "a", count: 2_000) + #"","hash":"h","size":1}]"#
        #expect(throws: DuplicatiFormatError.entryTooLarge(1_000)) {
            try reader.consume(Array(big.utf8)) { _ in }
        }
        // The reader stays failed afterwards.
        #expect(throws: DuplicatiFormatError.self) { try reader.consume(Array("]".utf8)) { _ in } }
        #expect(throws: DuplicatiFormatError.self) { try reader.finish() }

        // Fed byte by byte, it stops as soon as the bound is passed.
        var streamed = FilelistReader(maxObjectBytes: 1_000)
        var fed = 0
        #expect(throws: DuplicatiFormatError.entryTooLarge(1_000)) {
            for byte in Array(big.utf8) {
                try streamed.consume([byte]) { _ in }
                fed += 1
            }
        }
        #expect(fed == 1_001)

        // Objects just under the bound still pass.
        let small = #"[{"type":"Folder","path":"/a/"}]"#
        var exact = FilelistReader(maxObjectBytes: small.utf8.count - 2)
        var count = 0
        try exact.consume(Array(small.utf8)) { _ in count += 1 }
        try exact.finish()
        #expect(count == 1)
    }

    @Test func deepNestingIsRefused() {
        let deep = #"[{"type":"Folder","path":"/a/","x":"# + String(repeating: "[", count: 100_000)
        var reader = FilelistReader()
        #expect(throws: DuplicatiFormatError.self) { try reader.consume(Array(deep.utf8)) { _ in } }
    }

    @Test func errorsFromEmitPropagate() {
        struct Stop: Error {}
        var reader = FilelistReader()
        #expect(throws: Stop.self) { try reader.consume(Array(Self.example.utf8)) { _ in throw Stop() } }
    }

    @Test func twoHundredThousandEntriesStreamInBoundedChunks() throws {
        var reader = FilelistReader()
        var count = 0
        var fileBytes: Int64 = 0
        var pending: [UInt8] = [0xEF, 0xBB, 0xBF, UInt8(ascii: "[")]
        let total = 200_000
        for index in 0..<total {
            if index > 0 { pending.append(UInt8(ascii: ",")) }
            let entry = #"{"type":"File","path":"/data/dir\#(index / 1000)/file\#(index).bin","hash":"TDflT6P627Oaz+FyiW/DYn1bV9yIgfazgO2M/Fr8NSk=","size":\#(index),"time":"20250203T040506Z","metahash":"jrTF6QOp/2AnHw1MMIW2kaDuVViqXRZOmWjfZzn+RO8=","metasize":189}"#
            pending.append(contentsOf: entry.utf8)
            if pending.count > 60_000 {
                try reader.consume(pending) { count += 1; fileBytes += $0.size }
                pending.removeAll(keepingCapacity: true)
            }
        }
        pending.append(UInt8(ascii: "]"))
        try reader.consume(pending) { count += 1; fileBytes += $0.size }
        try reader.finish()
        #expect(count == total)
        #expect(fileBytes == Int64(total) * Int64(total - 1) / 2)
    }

    @Test func randomMutationsThrowOrParseButNeverTrap() throws {
        let original = Array(Self.example.utf8)
        let interesting = Array(#"{}[]",:\u0123456789-+.eEtrufalsn "#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xEF, 0xFF]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                let byte = interesting.randomElement(using: &generator) ?? 0
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = byte
                case 1: bytes.insert(byte, at: position)
                default: if bytes.count > 1 { bytes.remove(at: position) }
                }
            }
            let strict = try? Self.parseInChunks(bytes) { Int.random(in: 1...97, using: &generator) }
            // With an unusable handler: exactly the strict parse's entries when that succeeds.
            if let tolerant = try? Self.parseTolerantly(String(decoding: bytes, as: UTF8.self)), let strict,
               String(validating: bytes, as: UTF8.self) != nil {
                #expect(tolerant.entries == strict && tolerant.unusable.isEmpty)
            }
            _ = try? Manifest.parse(bytes)
            _ = try? EntryMetadata.parse(bytes)
            _ = try? IndexVolumeList.parse(bytes)
            _ = try? Fileset.parse(bytes)
        }
    }

    /// Parses with an `unusable` handler, in chunks of `chunk` bytes.
    static func parseTolerantly(_ text: String, chunk: Int = 7)
        throws -> (entries: [FilelistEntry], unusable: [FilelistReader.UnusableObject])
    {
        var reader = FilelistReader(maxObjectBytes: 4096)
        var entries: [FilelistEntry] = []
        var unusable: [FilelistReader.UnusableObject] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            try reader.consume(Array(bytes[start..<min(bytes.count, start + chunk)]), { entries.append($0) },
                               unusable: { unusable.append($0) })
        }
        try reader.finish()
        #expect(reader.unusableObjects == unusable.count)
        return (entries, unusable)
    }

    @Test func aBrokenObjectCostsOnlyItselfWithAnUnusableHandler() throws {
        let good = #"{"type":"File","path":"/ok/a","hash":"h","size":1}"#
        let objects = [
            good,
            #"{"type":"File","path":"/bad/sur\uD800rogate","hash":"h","size":1}"#,
            #"{"type":"File","path":"/bad/neg","hash":"h","size":-1}"#,
            #"{"type":"File","path":"/bad/max","hash":"h","size":9223372036854775807}"#,
            #"{"type":"File","path":"/bad/over","hash":"h","size":18446744073709551617}"#,
            #"{"type":"File","path":"/bad/float","hash":"h","size":1e300}"#,
            #"{"type":"Folder","path":"/bad/meta/","metasize":1152921504606846977}"#,
            #"{"type":"File","path":"/bad/nohash","size":1}"#,
            #"{"type":"File","path":"/bad/syntax","hash":"h","size":1,,}"#,
            #"{"type":"File","path":7}"#,
            #"{"type":"File","path":"/bad/big","pad":""# + String(repeating: "x", count: 5000) + #""}"#,
            #"{"type":"File","path":"/bad/deep","x":"# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}",
            #"{"type":"File","path":"/ok/max","hash":"h","size":1152921504606846976}"#,
            good.replacingOccurrences(of: "/ok/a", with: "/ok/b"),
        ]
        let (entries, unusable) = try Self.parseTolerantly("[" + objects.joined(separator: ",") + "]")
        #expect(entries.map(\.path) == ["/ok/a", "/ok/max", "/ok/b"])
        #expect(entries[1].size == FilelistEntry.maximumSize)
        #expect(unusable.map(\.path) == [
            "/bad/sur\u{FFFD}rogate", "/bad/neg", "/bad/max", "/bad/over", "/bad/float", "/bad/meta/", "/bad/nohash",
            "/bad/syntax", nil, nil, nil,
        ])
        guard case .malformedJSON(let message) = unusable[0].reason else {
            Issue.record("\(unusable[0].reason)")
            return
        }
        #expect(message.hasPrefix("lone surrogate escape"))
        #expect(unusable[2].reason == .invalidValue("size 9223372036854775807 is over 1 EiB"))
        #expect(unusable[9].reason == .entryTooLarge(4096))
        // Each offset is where that object's `{` is.
        let text = "[" + objects.joined(separator: ",") + "]"
        let bytes = Array(text.utf8)
        #expect(unusable.allSatisfy { bytes[$0.offset] == UInt8(ascii: "{") })
    }

    @Test func withoutAnUnusableHandlerABrokenObjectStillFailsTheList() {
        for object in [#"{"type":"File","path":"/a","hash":"h","size":-1}"#,
                       #"{"type":"File","path":"/a\uDC00","hash":"h","size":1}"#,
                       #"{"type":"File","path":"/a","hash":"h","size":1152921504606846977}"#] {
            #expect(throws: DuplicatiFormatError.self) { try Self.parse("[" + object + "]") }
        }
    }

    @Test func theListsOwnSyntaxStillFailsTheWholeList() {
        for text in ["[{\"type\":\"File\"}", "[{}]x", "{}", "[{\"a\":1} {\"b\":2}]"] {
            #expect(throws: DuplicatiFormatError.self) { _ = try Self.parseTolerantly(text) }
        }
    }
}
