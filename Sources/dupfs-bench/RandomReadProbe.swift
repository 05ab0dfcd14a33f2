import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// 4 KiB reads at random offsets of a file, each timed alone.
enum RandomReadProbe {
    /// Offsets in distinct blocks (so every first read needs a block no earlier read fetched),
    /// 4 KiB-aligned at a random place inside each block.
    /// - Parameters:
    ///   - fileSize: the file's size.
    ///   - blocksize: the backup's block size.
    ///   - count: how many (at most one per block).
    static func offsets(fileSize: Int, blocksize: Int, count: Int) -> [Int64] {
        var random = SeededGenerator(seed: "random-reads")
        let blocks = fileSize / blocksize
        var chosen = Array(0..<blocks)
        chosen.shuffle(using: &random)
        return chosen.prefix(count).map { block in
            let pages = blocksize / 4096
            return Int64(block * blocksize + Int(random.next() % UInt64(max(pages, 1))) * 4096)
        }
    }

    /// Reads 4 KiB at each offset through one open descriptor.
    /// - Returns: each read's latency in seconds, in offset order.
    /// - Throws: `BenchError` when the file can't be opened or a read comes back short.
    static func latencies(path: String, offsets: [Int64]) throws -> [Double] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BenchError.missing(path) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var result: [Double] = []
        for offset in offsets {
            let start = ContinuousClock.now
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4096, off_t(offset)) }
            result.append(Stopwatch.seconds(ContinuousClock.now - start))
            guard n == 4096 else { throw BenchError.wrongData("short read at \(offset) of \(path): \(n)") }
        }
        return result
    }

    /// The p-th percentile (0...100) of some values (nearest rank).
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}
