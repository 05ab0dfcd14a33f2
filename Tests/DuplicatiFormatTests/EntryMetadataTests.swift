import Testing
@testable import DuplicatiFormat

@Suite struct EntryMetadataTests {
    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    @Test func decodesALinuxFile() throws {
        let text = #"{"unix-ext:user.tag":"aGVsbG8=","unix:uid-gid-perm":"1000-100-420","unix:owner-name":"ann","unix:group-name":"users","CoreAttributes":"Normal","CoreLastWritetime":"638741523061234567","CoreCreatetime":"638741523060000000"}"#
        let metadata = try EntryMetadata.parse(Self.bom + Array(text.utf8))
        #expect(metadata.uid == 1000)
        #expect(metadata.gid == 100)
        #expect(metadata.permissions == 0o644)
        #expect(metadata.ownerName == "ann")
        #expect(metadata.groupName == "users")
        #expect(metadata.attributes == ["Normal"])
        #expect(metadata.symlinkTarget == nil)
        let written = try #require(metadata.lastWriteTime)
        #expect(written.unixSeconds == 1_738_555_506)
        #expect(written.nanoseconds == 123_456_700)
        #expect(metadata.creationTime?.unixSeconds == 1_738_555_506)
        #expect(metadata.creationTime?.nanoseconds == 0)
        #expect(metadata.values["unix-ext:user.tag"] == "aGVsbG8=")
        #expect(metadata.values.count == 7)
    }

    @Test func decodesASymlink() throws {
        let text = #"{"unix:uid-gid-perm":"0-0-511","unix:owner-name":"root","unix:group-name":"root","CoreAttributes":"ReparsePoint","CoreLastWritetime":"638741523060000000","CoreCreatetime":"638741523060000000","CoreSymlinkTarget":"../target dir/f\u00e9"}"#
        let metadata = try EntryMetadata.parse(Self.bom + Array(text.utf8))
        #expect(metadata.symlinkTarget == "../target dir/f\u{e9}")
        #expect(metadata.permissions == 0o777)
        #expect(metadata.uid == 0)
        #expect(metadata.attributes == ["ReparsePoint"])
    }

    @Test func decodesAWindowsFolder() throws {
        let text = #"{"win-ext:accessrules":"[{\"Identity\":\"BUILTIN\\\\Administrators\",\"Rights\":\"FullControl\"}]","CoreAttributes":"Hidden, Directory","CoreLastWritetime":"638741523060000000","CoreCreatetime":"0"}"#
        let metadata = try EntryMetadata.parse(Self.bom + Array(text.utf8))
        #expect(metadata.attributes == ["Hidden", "Directory"])
        #expect(metadata.permissions == nil)
        #expect(metadata.uid == nil)
        #expect(metadata.ownerName == nil)
        #expect(metadata.values["win-ext:accessrules"] == #"[{"Identity":"BUILTIN\\Administrators","Rights":"FullControl"}]"#)
        // 0 ticks: a time Duplicati failed to read (§12).
        #expect(metadata.creationTime == DotNetTicks(rawValue: 0))
        #expect(metadata.creationTime?.unixSeconds == -62_135_596_800)
    }

    @Test func acceptsEmptyMetadata() throws {
        for bytes in [Self.bom + Array("{}".utf8), Array("{}".utf8), Array(" { } ".utf8)] {
            let metadata = try EntryMetadata.parse(bytes)
            #expect(metadata.values.isEmpty)
            #expect(metadata.attributes.isEmpty)
            #expect(metadata.lastWriteTime == nil)
        }
        #expect(Self.bom.count + 2 == 5)
    }

    @Test func leavesUndecodableValuesNil() throws {
        let text = #"{"unix:uid-gid-perm":"1000-x-420","CoreLastWritetime":"-5","CoreCreatetime":"3155378976000000000","CoreAttributes":" , "}"#
        let metadata = try EntryMetadata.parse(Array(text.utf8))
        #expect(metadata.uid == nil)
        #expect(metadata.gid == nil)
        #expect(metadata.permissions == nil)
        #expect(metadata.lastWriteTime == nil)
        #expect(metadata.creationTime == nil)
        #expect(metadata.attributes.isEmpty)
        for triple in ["1-2", "1-2-3-4", "-1-2-3", "4294967296-0-420", "1--2"] {
            #expect(EntryMetadata(values: ["unix:uid-gid-perm": triple]).permissions == nil)
        }
        #expect(EntryMetadata(values: ["unix:uid-gid-perm": "1-2-4095"]).permissions == 0o7777)
        #expect(EntryMetadata(values: ["unix:uid-gid-perm": "1-2-65535"]).permissions == 0o7777)
    }

    @Test func convertsScalarsAndRejectsNesting() throws {
        let metadata = try EntryMetadata.parse(Array(#"{"a":12,"b":true,"c":null,"d":"x"}"#.utf8))
        #expect(metadata.values == ["a": "12", "b": "True", "d": "x"])
        #expect(throws: DuplicatiFormatError.self) { try EntryMetadata.parse(Array(#"{"a":[]}"#.utf8)) }
        for text in ["", "[]", "{", #"{"a":"b""#, #"{"a":"b"} {}"#] {
            #expect(throws: DuplicatiFormatError.self) { try EntryMetadata.parse(Array(text.utf8)) }
        }
    }

    @Test func decodesExtendedAttributesInBlobOrder() throws {
        let text = #"{"unix-ext:user.zeta":"aGVsbG8=","unix-ext:user.empty":"","unix-ext:security.selinux":"AP8BgA==","unix:uid-gid-perm":"1000-100-420","CoreAttributes":"Normal"}"#
        let metadata = try EntryMetadata.parse(Self.bom + Array(text.utf8))
        #expect(metadata.extendedAttributes == [
            ExtendedAttribute(name: "user.zeta", value: Array("hello".utf8)),
            ExtendedAttribute(name: "user.empty", value: []),
            ExtendedAttribute(name: "security.selinux", value: [0x00, 0xFF, 0x01, 0x80]),
        ])
        #expect(metadata.uid == 1000)
        // Built from a dictionary: sorted by name.
        #expect(EntryMetadata(values: metadata.values).extendedAttributes.map(\.name) == ["security.selinux", "user.empty", "user.zeta"])
        #expect(try EntryMetadata.parse(Array("{}".utf8)).extendedAttributes.isEmpty)
    }

    @Test func skipsUnusableExtendedAttributes() throws {
        let longName = String(repeating: "n", count: 251)
        let tooBig = String(repeating: "A", count: (65_536 + 3) / 3 * 4)
        let justFits = String(repeating: "A", count: 65_536 / 3 * 4) + "AA=="
        let text = """
            {"unix-ext:user.bad":"not base64!","unix-ext:user.unpadded":"aGk","unix-ext:":"aGk=",\
            "unix-ext:user.\\u0000x":"aGk=","unix-ext:user.\(longName)":"aGk=","unix-ext:user.ok":"aGk=",\
            "unix-ext:user.big":"\(tooBig)","unix-ext:user.max":"\(justFits)","unix-ext:user.dup":"YQ==",\
            "unix-ext:user.dup":"Yg==","unix-ext:user.number":12}
            """
        let metadata = try EntryMetadata.parse(Array(text.utf8))
        #expect(metadata.extendedAttributes.map(\.name) == ["user.ok", "user.max", "user.dup"])
        #expect(metadata.extendedAttributes.first?.value == Array("hi".utf8))
        #expect(metadata.extendedAttributes[1].value.count == 65_536)
        #expect(metadata.extendedAttributes.last?.value == Array("b".utf8))
    }

    @Test func boundsTheTotalLengthOfNames() throws {
        // 300 names of 250 bytes: only what fits in a 64 KiB listxattr answer is kept.
        var keys: [String] = []
        for index in 0..<300 {
            let digits = String(index + 1000).dropFirst()
            let name = "user." + digits + String(repeating: "x", count: 242)
            keys.append(#""unix-ext:\#(name)":"""#)
        }
        let metadata = try EntryMetadata.parse(Array(("{" + keys.joined(separator: ",") + "}").utf8))
        #expect(metadata.extendedAttributes.count == 65_536 / 251)
        #expect(metadata.extendedAttributes.reduce(0) { $0 + $1.name.utf8.count + 1 } <= 65_536)
    }
}
