import Foundation
import Testing
@testable import DuplicatiFormat

@Suite struct VolumeNameTests {
    @Test func dlistNameGivesPrefixTimeAndModules() throws {
        let name = try #require(VolumeName("duplicati-20250131T101112Z.dlist.zip.aes"))
        #expect(name.kind == .dlist)
        #expect(name.prefix == "duplicati")
        #expect(name.time == Date(timeIntervalSince1970: 1_738_318_272))
        #expect(name.guid == nil)
        #expect(name.compression == "zip")
        #expect(name.encryption == "aes")
        #expect(name.filename == "duplicati-20250131T101112Z.dlist.zip.aes")
    }

    @Test func dblockAndDindexNamesGiveGuid() throws {
        let block = try #require(VolumeName("duplicati-b9c467032cf4a49b2a961ef30c0ddbc90.dblock.zip.aes"))
        #expect(block.kind == .dblock)
        #expect(block.guid == "9c467032cf4a49b2a961ef30c0ddbc90")
        #expect(block.time == nil)
        let index = try #require(VolumeName("duplicati-ie2cefa2939314aa299397522fee3b409.dindex.zip.aes"))
        #expect(index.kind == .dindex)
        #expect(index.guid == "e2cefa2939314aa299397522fee3b409")
    }

    @Test func unencryptedAndOtherContainersParse() throws {
        let plain = try #require(VolumeName("duplicati-b00ff.dblock.zip"))
        #expect(plain.encryption == nil)
        #expect(plain.compression == "zip")
        let tgz = try #require(VolumeName("backup-i0a.dindex.tgz.gpg"))
        #expect(tgz.compression == "tgz")
        #expect(tgz.encryption == "gpg")
        #expect(VolumeName("duplicati-20250131T101112Z.dlist.7z")?.compression == "7z")
        #expect(VolumeName("duplicati-b12.dblock.tzstd.aes")?.compression == "tzstd")
    }

    @Test func namesMatchCaseInsensitively() throws {
        let name = try #require(VolumeName("DUPLICATI-20250131t101112z.DLIST.ZIP.AES"))
        #expect(name.kind == .dlist)
        #expect(name.prefix == "DUPLICATI")
        #expect(name.time == Date(timeIntervalSince1970: 1_738_318_272))
        #expect(name.compression == "zip")
        #expect(name.encryption == "aes")
        let block = try #require(VolumeName("x-BABCDEF.DBLOCK.Zip"))
        #expect(block.kind == .dblock)
        #expect(block.guid == "ABCDEF")
    }

    @Test func customPrefixesAreKeptAsWritten() {
        #expect(VolumeName("my.backup_2-b01.dblock.zip")?.prefix == "my.backup_2")
        #expect(VolumeName("ünïcode-b01.dblock.zip")?.prefix == "ünïcode")
        #expect(VolumeName("-b01.dblock.zip") == nil)
    }

    @Test func guidLetterNeedNotMatchTheType() {
        // The upstream regex does not tie b to dblock; neither do we.
        #expect(VolumeName("duplicati-i01.dblock.zip")?.kind == .dblock)
        #expect(VolumeName("duplicati-b01.dindex.zip")?.kind == .dindex)
    }

    @Test func encryptionPartKeepsExtraDots() {
        #expect(VolumeName("duplicati-b01.dblock.zip.aes.bak")?.encryption == "aes.bak")
    }

    @Test func parityAndOtherFilesAreNotVolumes() {
        #expect(VolumeName("duplicati-b9c46.dblock.zip.aes.par2") == nil)
        #expect(VolumeName("duplicati-20250131T101112Z.dlist.zip.PAR2") == nil)
        #expect(VolumeName("duplicati-verification.json") == nil)
        #expect(VolumeName("duplicati-backup.json") == nil)
        #expect(VolumeName("README") == nil)
        #expect(VolumeName("") == nil)
        #expect(VolumeName("duplicati-") == nil)
    }

    @Test func malformedNamesAreRejected() {
        #expect(VolumeName("duplicati-b9c4.dblock") == nil)            // no compression
        #expect(VolumeName("duplicati-b9c4.dblock.") == nil)           // empty compression
        #expect(VolumeName("duplicati-b9c4.dblock.zip.") == nil)       // empty encryption
        #expect(VolumeName("duplicati-b.dblock.zip") == nil)           // empty guid
        #expect(VolumeName("duplicati-bxyz.dblock.zip") == nil)        // not hex
        #expect(VolumeName("duplicati-c01.dblock.zip") == nil)         // neither b nor i
        #expect(VolumeName("duplicati-b01.dfoo.zip") == nil)
        #expect(VolumeName("dup-licati-b01.dblock.zip") == nil)        // prefix can't hold '-'
        #expect(VolumeName("duplicati-b01xdblock.zip") == nil)
        #expect(VolumeName("duplicati-20250131T101112Z.dblock.zip") == nil)
        #expect(VolumeName("duplicati-b01.dlist.zip") == nil)
    }

    @Test func invalidTimesAreRejected() {
        #expect(VolumeName("duplicati-20251331T101112Z.dlist.zip") == nil)   // month 13
        #expect(VolumeName("duplicati-20250230T101112Z.dlist.zip") == nil)   // Feb 30
        #expect(VolumeName("duplicati-20250131T241112Z.dlist.zip") == nil)   // hour 24
        #expect(VolumeName("duplicati-20250131T101160Z.dlist.zip") == nil)   // second 60
        #expect(VolumeName("duplicati-20250131T101112.dlist.zip") == nil)    // no Z
        #expect(VolumeName("duplicati-00000131T101112Z.dlist.zip") == nil)   // year 0
        #expect(VolumeName("duplicati-2025013１T101112Z.dlist.zip") == nil)  // non-ASCII digit
        #expect(VolumeName("duplicati-20240229T000000Z.dlist.zip") != nil)   // leap day
        #expect(VolumeName("duplicati-21000229T000000Z.dlist.zip") == nil)   // not a leap year
    }

    @Test func extremeTimesParse() throws {
        let early = try #require(VolumeName("p-00010101T000000Z.dlist.zip"))
        #expect(early.time == Date(timeIntervalSince1970: -62_135_596_800))
        let late = try #require(VolumeName("p-99991231T235959Z.dlist.zip"))
        #expect(late.time == Date(timeIntervalSince1970: 253_402_300_799))
    }

    @Test func versionsSortNewestFirstByTime() throws {
        let names = [
            "duplicati-20250131T101112Z.dlist.zip.aes",
            "duplicati-20250201T000000Z.dlist.zip.aes",
            "duplicati-20241231T235959Z.dlist.zip.aes",
        ].compactMap(VolumeName.init)
        let sorted = names.sorted { ($0.time ?? .distantPast) > ($1.time ?? .distantPast) }
        #expect(sorted.map(\.filename).first == "duplicati-20250201T000000Z.dlist.zip.aes")
        #expect(sorted.map(\.filename).last == "duplicati-20241231T235959Z.dlist.zip.aes")
    }
}
