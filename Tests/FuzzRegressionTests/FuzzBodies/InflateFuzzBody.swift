import Zip

/// The `fuzz-inflate` body: `ZipArchive.decode` on raw bytes with a synthesized entry.
///
/// Input layout: method selector, flags, CRC-32 (4 bytes LE), declared uncompressed size
/// (4 bytes LE; selector bit 7 makes it negative), limit selector, compressed size adjustment
/// (signed byte added to the payload length), then the payload.
package enum InflateFuzzBody {
    /// The limits the caller may pass; all modest, so an allocation of `limit` bytes is fine.
    static let limits = [0, 1, 1 << 10, 1 << 16, 1 << 20, 16 << 20]

    /// Runs one input.
    /// - Parameter data: parameters, then the compressed bytes.
    package static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let selector = input.byte()
        let method: UInt16 = switch selector & 3 {
        case 0: 0
        // Other methods: 12 (BZip2) and 14 (LZMA) among them, 63 stands for 93 (ZStandard).
        case 3: selector >> 2 == 63 ? 93 : UInt16(selector >> 2)
        default: 8
        }
        let flags = UInt16(input.byte())
        let crc = input.uint32()
        let declared = Int64(input.uint32())
        let uncompressedSize = selector & 0x80 != 0 ? -declared : declared
        let limit = limits[Int(input.byte()) % limits.count]
        let adjustment = Int8(bitPattern: input.byte())
        let payload = input.rest()
        let compressedSize = Int64(payload.count) + (adjustment == 1 || adjustment == -1 ? Int64(adjustment) : 0)
        let entry = ZipEntry(
            name: "fuzz", method: method, flags: flags, crc32: crc, compressedSize: compressedSize,
            uncompressedSize: uncompressedSize, localHeaderOffset: 0)
        guard let output = try? ZipArchive.decode(payload, entry: entry, limit: limit) else { return }
        fuzzCheck(Int64(output.count) == uncompressedSize, "decode returned \(output.count) of \(uncompressedSize) bytes")
        fuzzCheck(CRC32.checksum(output) == crc, "decode returned bytes with a wrong CRC")
        fuzzCheck(output.count <= limit, "decode returned more than the limit")
        fuzzCheck(compressedSize == Int64(payload.count), "decode accepted a wrong compressed size")
        fuzzCheck(flags & 0x41 == 0, "decode accepted an encrypted entry")
        if method == 0 { fuzzCheck(output == payload, "a stored entry decoded to other bytes") }
    }
}
