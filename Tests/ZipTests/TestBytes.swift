import ByteSource
import Zip

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum TestBytes {
    /// Incompressible bytes.
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Compressible text-like bytes.
    static func text(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        let words = ["block", "hash", "volume", "fileset", "duplicati", " ", "\n", "{\"path\":", "0123456789"]
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            out += Array(words[Int.random(in: 0..<words.count, using: &generator)].utf8)
        }
        return Array(out.prefix(count))
    }
}

/// A source that remembers the largest single read it was asked for.
final class RecordingSource: ByteSource, @unchecked Sendable {
    // Tests use it from one thread; the counter is only read after the call under test.
    private let inner: ByteArraySource
    private(set) var largestRead = 0

    init(_ bytes: [UInt8]) { inner = ByteArraySource(bytes) }

    var size: Int64 { inner.size }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        largestRead = max(largestRead, count)
        return try inner.read(at: offset, count: count)
    }
}

/// Opens an archive and reads every entry in all three ways (`read`, `stream`,
/// `dataRange` + `decode`), checking they agree.
/// - Returns: the archive and each entry's bytes, in directory order.
func readAllWays(_ bytes: [UInt8], chunkSize: Int = 1000) throws -> (ZipArchive, [[UInt8]]) {
    let archive = try ZipArchive(source: ByteArraySource(bytes))
    let contents = try archive.entries.map { entry in
        let whole = try archive.read(entry, limit: 1 << 30)
        var streamed: [UInt8] = []
        try archive.stream(entry, chunkSize: chunkSize) { streamed += $0 }
        let range = try archive.dataRange(of: entry)
        let compressed = Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)])
        let decoded = try ZipArchive.decode(compressed, entry: entry, limit: 1 << 30)
        guard whole == streamed, whole == decoded else { throw DisagreementError(name: entry.name) }
        return whole
    }
    return (archive, contents)
}

struct DisagreementError: Error { var name: String }
