import ByteSource
import Zip

/// The `fuzz-zip` body: bytes as a zip archive, every entry read whole, streamed and decoded
/// from its fetched data, which must all agree.
package enum ZipFuzzBody {
    /// The largest entry read whole; larger ones must be refused before any allocation.
    static let limit = 1 << 20
    /// Entries looked at per input, so that a directory of many tiny entries stays fast.
    static let maximumEntries = 64

    /// Runs one input.
    /// - Parameter data: the bytes of a would-be zip archive.
    package static func run(_ data: [UInt8]) {
        guard let archive = try? ZipArchive(source: ByteArraySource(data), maxEntries: 4_096) else { return }
        // Vary the stream chunk with the input so both one-chunk and many-chunk paths run.
        let chunkSize = [1, 7, 512, 64 << 10][data.count % 4]
        for entry in archive.entries.prefix(maximumEntries) {
            _ = archive.entry(named: entry.name)
            let whole = try? archive.read(entry, limit: limit)
            if let whole {
                fuzzCheck(Int64(whole.count) == entry.uncompressedSize, "\(entry.name): read returned a wrong length")
                fuzzCheck(CRC32.checksum(whole) == entry.crc32, "\(entry.name): read returned bytes with a wrong CRC")
            }
            if let range = try? archive.dataRange(of: entry), range.lowerBound >= 0, range.upperBound <= Int64(data.count) {
                let compressed = Array(data[Int(range.lowerBound)..<Int(range.upperBound)])
                let decoded = try? ZipArchive.decode(compressed, entry: entry, limit: limit)
                fuzzCheck(decoded == whole, "\(entry.name): decode of the fetched data and read disagree")
            }
            // Streaming has no limit; a declared size past a few MiB, or a big entry in 1-byte chunks, is
            // only slow, not new.
            guard entry.uncompressedSize <= 8 << 20, chunkSize > 7 || entry.compressedSize <= 4 << 10 else { continue }
            var streamed: [UInt8] = []
            let outcome = Result {
                try archive.stream(entry, chunkSize: chunkSize) { chunk in
                    fuzzCheck(chunk.count <= chunkSize, "\(entry.name): a chunk larger than chunkSize")
                    streamed.append(contentsOf: chunk)
                    fuzzCheck(Int64(streamed.count) <= entry.uncompressedSize, "\(entry.name): streamed past the declared size")
                }
            }
            if let whole {
                fuzzCheck((try? outcome.get()) != nil, "\(entry.name): read succeeds, stream fails")
                fuzzCheck(streamed == whole, "\(entry.name): stream and read disagree")
            }
        }
    }
}
