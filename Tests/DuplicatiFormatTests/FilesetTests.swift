import Testing
@testable import DuplicatiFormat

@Suite struct FilesetTests {
    @Test func readsTheFlag() throws {
        #expect(try Fileset.parse(Array(#"{"IsFullBackup":true}"#.utf8)).isFullBackup)
        #expect(try !Fileset.parse([0xEF, 0xBB, 0xBF] + Array(#"{"IsFullBackup":false}"#.utf8)).isFullBackup)
        #expect(try !Fileset.parse(Array(#" { "isfullbackup" : false } "#.utf8)).isFullBackup)
    }

    @Test func missingKeyOrEntryMeansFullBackup() throws {
        #expect(try Fileset.parse(Array("{}".utf8)).isFullBackup)
        #expect(try Fileset.parse(Array(#"{"Other":[1,{"x":false}]}"#.utf8)).isFullBackup)
        #expect(Fileset.missingEntry.isFullBackup)
    }

    @Test func rejectsNonBooleansAndJunk() {
        #expect(throws: DuplicatiFormatError.invalidValue("IsFullBackup")) {
            try Fileset.parse(Array(#"{"IsFullBackup":"false"}"#.utf8))
        }
        #expect(throws: DuplicatiFormatError.invalidValue("IsFullBackup")) {
            try Fileset.parse(Array(#"{"IsFullBackup":null}"#.utf8))
        }
        for text in ["", "true", "[]", "{\"IsFullBackup\":tru}", "{\"IsFullBackup\":true"] {
            #expect(throws: DuplicatiFormatError.self) { try Fileset.parse(Array(text.utf8)) }
        }
    }
}
