import Foundation
import Testing

@testable import PPMd

/// p7zip (`7z a -tzip -mm=PPMd`) writes zip method 98 entries with 7-Zip's own Ppmd8 encoder:
/// an implementation independent of ours. Its entries must decode to the original bytes, and
/// 7z must extract what our encoder writes.
@Suite("PPMd against p7zip", .enabled(if: PPMdSamples.sevenZip != nil, "7z (p7zip-full) is not installed"))
struct PPMdSevenZipTests {
    /// The first entry of a zip 7z wrote: method, property word and stream (7z writes sizes in
    /// the local header when it writes a file).
    static func firstEntry(_ zip: [UInt8]) throws -> (method: UInt16, data: [UInt8]) {
        func u16(_ at: Int) -> Int { Int(zip[at]) | Int(zip[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        try #require(zip.count > 30 && u32(0) == 0x0403_4B50)
        let start = 30 + u16(26) + u16(28)
        return (UInt16(u16(8)), Array(zip[start..<(start + u32(18))]))
    }

    /// 7z's options for each case: the level picks order and restore method (cut-off from
    /// level 7), `-mmem=1m` makes a 1 MiB model that the large data fills many times over.
    static let cases: [(String, [String])] = [
        ("text", ["-mx=1"]), ("text", ["-mx=5"]), ("text", ["-mx=9"]), ("mixed", ["-mx=9"]),
        ("large", ["-mx=5", "-mmem=1m", "-mo=6"]), ("large", ["-mx=9", "-mmem=1m", "-mo=8"]),
        ("large", ["-mx=9", "-mmem=1m", "-mo=16"]), ("mixed", ["-mx=5", "-mmem=1m", "-mo=2"]),
    ]

    @Test("entries 7z compressed decode to the original bytes", arguments: cases)
    func sevenZipEntriesDecode(kind: String, options: [String]) throws {
        let data: [UInt8]
        switch kind {
        case "text": data = PPMdSamples.text(200_000, seed: 11)
        case "mixed": data = PPMdSamples.text(60_000, seed: 12) + PPMdSamples.random(40_000, seed: 13) + [UInt8](repeating: 7, count: 30_000)
        // Larger than the 1 MiB model, so it restarts (level 5) or is cut off (level 9) again and again.
        default: data = PPMdSamples.text(1_500_000, seed: 14) + PPMdSamples.random(500_000, seed: 15)
        }
        let directory = try PPMdSamples.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(data).write(to: directory.appendingPathComponent("data"))
        let status = try PPMdSamples.run(
            try #require(PPMdSamples.sevenZip), ["a", "-tzip", "-mm=PPMd"] + options + ["out.zip", "data"], in: directory)
        try #require(status == 0)
        let (method, entry) = try Self.firstEntry(Array(try Data(contentsOf: directory.appendingPathComponent("out.zip"))))
        #expect(method == 98)
        let parameters = try PPMdParameters(propertyWord: UInt16(entry[0]) | UInt16(entry[1]) << 8)
        if options.contains("-mmem=1m") { #expect(parameters.memoryMiB == 1) }
        if options.contains("-mx=9") { #expect(parameters.restoreMethod == .cutOff) }
        let decoded = try PPMdSamples.decompress(Array(entry[2...]), size: data.count, parameters)
        #expect(decoded == data)
    }
}

extension PPMdSevenZipTests {
    @Test("with the parameters 7z chose our encoder writes 7z's bytes exactly", arguments: ["-mx=5", "-mx=9"])
    func encoderMatchesSevenZip(level: String) throws {
        let data = PPMdSamples.text(1_500_000, seed: 21) + PPMdSamples.random(100_000, seed: 22)
        let directory = try PPMdSamples.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(data).write(to: directory.appendingPathComponent("data"))
        // 7z sizes the model to the file; 1 MiB makes the data overflow it (restart at level 5, cut-off at 9).
        let status = try PPMdSamples.run(
            try #require(PPMdSamples.sevenZip), ["a", "-tzip", "-mm=PPMd", level, "-mmem=1m", "-mo=6", "out.zip", "data"],
            in: directory)
        try #require(status == 0)
        let (_, entry) = try Self.firstEntry(Array(try Data(contentsOf: directory.appendingPathComponent("out.zip"))))
        let parameters = try PPMdParameters(propertyWord: UInt16(entry[0]) | UInt16(entry[1]) << 8)
        #expect(parameters.order == 6 && parameters.memoryMiB == 1)
        let ours = PPMdEncoder.zipEntryData(data, parameters: parameters)
        #expect(ours.count == entry.count)
        #expect(ours == entry, "our stream differs from 7z's")
    }

    @Test("7z extracts a zip whose entries our encoder wrote", arguments: ["restart", "cut-off"])
    func sevenZipExtractsOurZip(restore: String) throws {
        let parameters = try PPMdParameters(order: 8, memoryMiB: 1, restoreMethod: restore == "restart" ? .restart : .cutOff)
        let files: [(String, [UInt8])] = [
            ("empty", []), ("one", [0x41]), ("text", PPMdSamples.text(100_000, seed: 31)),
            ("large", PPMdSamples.text(1_200_000, seed: 32) + PPMdSamples.random(300_000, seed: 33)),
        ]
        let directory = try PPMdSamples.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let zip = directory.appendingPathComponent("ours.zip")
        try Data(MinimalZip.archive(files.map { ($0.0, $0.1, PPMdEncoder.zipEntryData($0.1, parameters: parameters)) })).write(to: zip)
        let sevenZip = try #require(PPMdSamples.sevenZip)
        #expect(try PPMdSamples.run(sevenZip, ["t", zip.path]) == 0)
        let out = directory.appendingPathComponent("out")
        #expect(try PPMdSamples.run(sevenZip, ["x", "-o" + out.path, zip.path]) == 0)
        for (name, data) in files {
            #expect(Array(try Data(contentsOf: out.appendingPathComponent(name))) == data, "\(name)")
        }
    }
}

/// A bare zip writer for this suite (the PPMd module knows no zip): method 98 entries with
/// sizes in the local headers, no Zip64.
enum MinimalZip {
    static func archive(_ entries: [(name: String, data: [UInt8], compressed: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ value: Int, _ buffer: inout [UInt8]) { buffer += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func le32(_ value: Int, _ buffer: inout [UInt8]) { le16(value & 0xFFFF, &buffer); le16(value >> 16 & 0xFFFF, &buffer) }
        for entry in entries {
            let offset = out.count
            let name = Array(entry.name.utf8)
            let crc = crc32(entry.data)
            var common: [UInt8] = []
            le16(63, &common)  // version needed
            le16(0, &common)  // flags
            le16(98, &common)  // method
            le32(0x0021_0000, &common)  // time, date (1980-01-01)
            le32(Int(crc), &common)
            le32(entry.compressed.count, &common)
            le32(entry.data.count, &common)
            le16(name.count, &common)
            le16(0, &common)  // extra
            le32(0x0403_4B50, &out)
            out += common + name + entry.compressed
            le32(0x0201_4B50, &central)
            le16(63, &central)  // version made by
            central += common
            le16(0, &central)  // comment
            le16(0, &central)  // disk
            le16(0, &central)  // internal attributes
            le32(0, &central)  // external attributes
            le32(offset, &central)
            central += name
        }
        let centralOffset = out.count
        out += central
        le32(0x0605_4B50, &out)
        le32(0, &out)
        le16(entries.count, &out)
        le16(entries.count, &out)
        le32(central.count, &out)
        le32(centralOffset, &out)
        le16(0, &out)
        return out
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
