import ByteSource
import Synchronization

/// A source that records every range read from it.
final class RecordingSource: ByteSource {
    let base: ByteArraySource
    let reads = Mutex<[Range<Int64>]>([])

    init(_ bytes: [UInt8]) { base = ByteArraySource(bytes) }

    var size: Int64 { base.size }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        reads.withLock { $0.append(offset..<offset + Int64(count)) }
        return try base.read(at: offset, count: count)
    }

    func takeReads() -> [Range<Int64>] {
        reads.withLock { reads in
            defer { reads = [] }
            return reads
        }
    }
}

/// The error `FailingSource` throws.
struct StorageFailure: Error, Equatable {
    let offset: Int64
}

/// A source that throws for reads overlapping `failing`.
struct FailingSource: ByteSource {
    let base: ByteArraySource
    let failing: Range<Int64>

    init(_ bytes: [UInt8], failing: Range<Int64>) {
        base = ByteArraySource(bytes)
        self.failing = failing
    }

    var size: Int64 { base.size }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        if failing.overlaps(offset..<offset + Int64(count)) { throw StorageFailure(offset: offset) }
        return try base.read(at: offset, count: count)
    }
}

/// A source that returns one byte too few for reads longer than `limit` (as if the file shrank).
struct ShortSource: ByteSource {
    let base: ByteArraySource
    let limit: Int

    var size: Int64 { base.size }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        let bytes = try base.read(at: offset, count: count)
        return count > limit ? Array(bytes.dropLast()) : bytes
    }
}
