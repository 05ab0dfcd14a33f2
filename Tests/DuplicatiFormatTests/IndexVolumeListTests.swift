import Testing
@testable import DuplicatiFormat

@Suite struct IndexVolumeListTests {
    @Test func parsesBlocksAndVolumeFacts() throws {
        let text = #"{"blocks":[{"hash":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","size":1024},{"hash":"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=","size":3}],"volumehash":"Vh==","volumesize":4711}"#
        let list = try IndexVolumeList.parse(Array(text.utf8))
        #expect(list.blocks.map(\.hash) == ["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="])
        #expect(list.blocks.map(\.size) == [1024, 3])
        #expect(list.volumeHash == "Vh==")
        #expect(list.volumeSize == 4711)
    }

    @Test func acceptsEmptyBlocksWithoutVolumeFacts() throws {
        let list = try IndexVolumeList.parse(Array(#"{"blocks":[]}"#.utf8))
        #expect(list.blocks.isEmpty)
        #expect(list.volumeHash == nil)
        #expect(list.volumeSize == nil)
        let bom = try IndexVolumeList.parse([0xEF, 0xBB, 0xBF] + Array(#" {"volumesize":null, "x":[{}], "blocks" : [ ] } "#.utf8))
        #expect(bom.blocks.isEmpty)
    }

    @Test func acceptsAnyOrderAndUnknownMembers() throws {
        let text = #"{"volumesize":1,"blocks":[{"size":5,"extra":{"a":[1]},"hash":"x"}],"volumehash":"v","new":true}"#
        let list = try IndexVolumeList.parse(Array(text.utf8))
        #expect(list.blocks.count == 1)
        #expect(list.blocks[0].hash == "x")
        #expect(list.blocks[0].size == 5)
    }

    @Test func rejectsBadLists() {
        let cases: [(String, DuplicatiFormatError)] = [
            (#"{"volumehash":"v"}"#, .missingField("blocks")),
            (#"{"blocks":[{"size":1}]}"#, .missingField("hash")),
            (#"{"blocks":[{"hash":"h"}]}"#, .missingField("size")),
            (#"{"blocks":[{"hash":"h","size":-2}]}"#, .invalidValue("size -2")),
            (#"{"blocks":{}}"#, .invalidValue("blocks: expected an array")),
            (#"{"blocks":[1]}"#, .invalidValue("blocks: expected objects")),
            (#"{"blocks":[],"volumesize":-1}"#, .invalidValue("volumesize -1")),
        ]
        for (text, expected) in cases {
            #expect(throws: expected) { try IndexVolumeList.parse(Array(text.utf8)) }
        }
        for text in ["", "[]", #"{"blocks":["#, #"{"blocks":[]"#, #"{"blocks":[]}}"#] {
            #expect(throws: DuplicatiFormatError.self) { try IndexVolumeList.parse(Array(text.utf8)) }
        }
    }
}
