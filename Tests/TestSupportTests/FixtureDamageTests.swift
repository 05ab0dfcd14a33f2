import Foundation
import Testing

@testable import TestSupport

@Suite struct FixtureDamageTests {
    @Test func damageHelpersChangeExactlyWhatTheySay() throws {
        let dir = FixtureBackupWriterTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FixtureDamage.replaceVolume("v", in: dir, with: [1, 2, 3, 4, 5])
        try FixtureDamage.flipByte("v", in: dir)
        #expect(try FixtureDamage.readVolume("v", in: dir) == [1, 2, 0xFC, 4, 5])
        try FixtureDamage.flipByte("v", in: dir, at: -1, mask: 1)
        #expect(try FixtureDamage.readVolume("v", in: dir) == [1, 2, 0xFC, 4, 4])
        #expect(throws: FixtureError.self) { try FixtureDamage.flipByte("v", in: dir, at: 5) }
        try FixtureDamage.truncate("v", in: dir, to: -2)
        #expect(try FixtureDamage.readVolume("v", in: dir) == [1, 2, 0xFC])
        try FixtureDamage.truncate("v", in: dir, to: 1)
        #expect(try FixtureDamage.readVolume("v", in: dir) == [1])
        try FixtureDamage.deleteVolume("v", in: dir)
        #expect(try FixtureDamage.volumeNames(in: dir).isEmpty)
        #expect(throws: FixtureError.noSuchVolume("v")) { try FixtureDamage.deleteVolume("v", in: dir) }
    }
}
