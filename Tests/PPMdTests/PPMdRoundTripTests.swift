import Foundation
import Testing

@testable import PPMd

/// Our encoder's streams decode to the same bytes, for data of every shape, both restore
/// methods, and models small enough that the data fills them many times.
@Suite("PPMd round trips")
struct PPMdRoundTripTests {
    static let shapes: [String] = ["empty", "one byte", "text", "random", "long runs", "all bytes", "larger than memory"]

    static func data(_ shape: String) -> [UInt8] {
        switch shape {
        case "empty": []
        case "one byte": [0xC3]
        case "text": PPMdSamples.text(120_000, seed: 1)
        case "random": PPMdSamples.random(60_000, seed: 2)
        case "long runs":
            [UInt8](repeating: 0, count: 70_000) + [UInt8](repeating: 0xFF, count: 5000) + Array("ab".utf8) + [UInt8](repeating: 0x61, count: 40_000)
        case "all bytes": (0..<20).flatMap { round in (0..<256).map { UInt8(($0 * 7 + round) & 0xFF) } }
        default: PPMdSamples.text(1_800_000, seed: 3) + PPMdSamples.random(400_000, seed: 4) + PPMdSamples.text(300_000, seed: 5)
        }
    }

    @Test("encode then decode gives the bytes back", arguments: shapes, [PPMdParameters.RestoreMethod.restart, .cutOff])
    func roundTrip(shape: String, restore: PPMdParameters.RestoreMethod) throws {
        let data = Self.data(shape)
        let parameters = try PPMdParameters(order: 6, memoryMiB: 1, restoreMethod: restore)
        let stream = try PPMdSamples.compress(data, parameters)
        #expect(try PPMdSamples.decompress(stream, size: data.count, parameters) == data)
        if shape == "text" { #expect(stream.count < data.count / 3) }
    }

    @Test("every order from 2 to 16 round-trips", arguments: Array(PPMdParameters.orderRange))
    func everyOrder(order: Int) throws {
        let data = PPMdSamples.text(40_000, seed: UInt64(order)) + PPMdSamples.random(3000, seed: 9)
        for restore in [PPMdParameters.RestoreMethod.restart, .cutOff] {
            let parameters = try PPMdParameters(order: order, memoryMiB: 1, restoreMethod: restore)
            #expect(try PPMdSamples.decompress(try PPMdSamples.compress(data, parameters), size: data.count, parameters) == data)
        }
    }

    @Test("decoding in small pieces keeps the margin and gives the same bytes")
    func streamedDecode() throws {
        let data = PPMdSamples.text(200_000, seed: 40)
        let parameters = PPMdParameters.sharpCompressDefault
        let stream = try PPMdSamples.compress(data, parameters)
        let decoder = try PPMdDecoder(parameters: parameters)
        var pending: [UInt8] = []
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1000)
        var fed = 0
        while output.count < data.count {
            let isLast = fed == stream.count
            if !isLast {
                let next = min(stream.count, fed + 97)
                pending += stream[fed..<next]
                fed = next
            }
            let want = min(chunk.count, data.count - output.count)
            let (used, produced) = try pending.withUnsafeBytes { input in
                try chunk.withUnsafeMutableBytes { out in
                    try decoder.decode(input, isLast: fed == stream.count, into: UnsafeMutableRawBufferPointer(rebasing: out[0..<want]))
                }
            }
            pending.removeFirst(used)
            output += chunk[0..<produced]
            if isLast && produced == 0 { break }
        }
        #expect(output == data)
        let used = try pending.withUnsafeBytes { try decoder.finish($0) }
        #expect(used == pending.count)
    }

    @Test("the property word carries order, memory and restore method")
    func propertyWord() throws {
        #expect(PPMdParameters.sharpCompressDefault.propertyWord == 0x00F5)
        let parameters = try PPMdParameters(propertyWord: 0x1FFF)
        #expect(parameters.order == 16 && parameters.memoryMiB == 256 && parameters.restoreMethod == .cutOff)
        #expect(throws: PPMdError.self) { try PPMdParameters(propertyWord: 0x20F5) }  // freeze
        #expect(throws: PPMdError.self) { try PPMdParameters(propertyWord: 0x00F0) }  // order 1
        do {
            _ = try PPMdParameters(propertyWord: 0x20F5)
        } catch {
            #expect("\(error)".contains("restore method 2 (freeze)"))
        }
    }
}

/// Damaged streams fail with an error (or, where the damage still decodes, give other bytes),
/// never a crash or a hang.
@Suite("PPMd damaged streams")
struct PPMdDamageTests {
    static let data = PPMdSamples.text(30_000, seed: 50)
    static let parameters = PPMdParameters.sharpCompressDefault

    @Test("a stream cut short is reported truncated or corrupt", arguments: [0, 1, 3, 4, 10, 100, 1000])
    func truncated(cut: Int) throws {
        let stream = try PPMdSamples.compress(Self.data, Self.parameters)
        let short = Array(stream.dropLast(cut == 0 ? stream.count : cut))
        #expect(throws: PPMdError.self) { try PPMdSamples.decompress(short, size: Self.data.count, Self.parameters) }
    }

    @Test("flipped bytes and garbage never crash or hang", arguments: 0..<40)
    func damaged(seed: Int) throws {
        var stream = try PPMdSamples.compress(Self.data, Self.parameters)
        let noise = PPMdSamples.random(8, seed: UInt64(seed) + 100)
        if seed < 30 {
            stream[(Int(noise[0]) << 8 | Int(noise[1])) % stream.count] ^= noise[2] | 1
        } else {
            stream = PPMdSamples.random(stream.count, seed: UInt64(seed))
        }
        let result = try? PPMdSamples.decompress(stream, size: Self.data.count, Self.parameters)
        #expect(result != Self.data)
    }

    @Test("data after the end mark and a wrong declared size are errors")
    func sizeMismatch() throws {
        let stream = try PPMdSamples.compress(Self.data, Self.parameters)
        #expect(throws: PPMdError.self) { try PPMdSamples.decompress(stream + [0], size: Self.data.count, Self.parameters) }
        #expect(throws: PPMdError.self) { try PPMdSamples.decompress(stream, size: Self.data.count - 1, Self.parameters) }
        #expect(throws: PPMdError.self) { try PPMdSamples.decompress(stream, size: Self.data.count + 1, Self.parameters) }
    }
}
