internal import PPMd

/// Writes zip archives in memory, for test fixtures and tools.
///
/// Entries are stored, deflated, or compressed with BZip2, LZMA, ZStandard or PPMd as SharpCompress
/// writes them (format §4.1), optionally followed by data descriptors (flag bit 3), with the
/// UTF-8 flag (bit 11) on non-ASCII names. Zip64 records are written when counts, sizes or
/// offsets need them, or everywhere when forced.
package struct ZipWriter {
    private struct Pending {
        var name: [UInt8]
        var flags: UInt16
        var method: UInt16
        var crc32: UInt32
        var data: [UInt8]
        var uncompressedSize: Int64
        var extra: [UInt8]
    }

    private var pending: [Pending] = []

    /// Starts an empty archive.
    package init() {}

    /// Adds an entry.
    /// - Parameters:
    ///   - name: the entry name, written as UTF-8 as it is (a `\` stays a `\`).
    ///   - data: the uncompressed bytes.
    ///   - method: how to compress.
    ///   - level: the deflate level, 0 to 9 (0 still writes method 8, with stored blocks); for
    ///     ZStandard the zstd level, 1 to 22; ignored by the others.
    ///   - dataDescriptor: whether to zero the local header's CRC and sizes and write them after the data.
    package mutating func add(
        _ name: String, _ data: [UInt8], method: ZipMethod = .deflate, level: Int32 = 6, dataDescriptor: Bool = false
    ) {
        let nameBytes = Array(name.utf8)
        var flags: UInt16 = dataDescriptor ? ZipRecord.dataDescriptorFlag : 0
        if nameBytes.contains(where: { $0 >= 0x80 }) { flags |= ZipRecord.utf8Flag }
        let stored: [UInt8]
        switch method {
        case .stored: stored = data
        case .deflate: stored = Deflater.deflate(data, level: level)
        case .bzip2: stored = BZip2Encoder.compress(data)
        case .lzma: stored = LZMAEncoder.compress(data)
        case .zstandard: stored = ZstdEncoder.compress(data, level: min(max(level, 1), 22))
        case .ppmd: stored = PPMdEncoder.zipEntryData(data)
        }
        pending.append(
            Pending(
                name: nameBytes, flags: flags, method: method.number,
                crc32: CRC32.checksum(data), data: stored, uncompressedSize: Int64(data.count), extra: []))
    }

    /// Adds an entry exactly as given, for crafting unusual or hostile archives in tests.
    /// - Parameters:
    ///   - name: the raw name bytes.
    ///   - data: the bytes to store as the entry's data (already compressed, if at all).
    ///   - method: the method number to declare.
    ///   - flags: the general purpose flags; bit 3 makes a data descriptor follow the data.
    ///   - crc32: the CRC-32 to declare.
    ///   - uncompressedSize: the uncompressed size to declare.
    ///   - extra: extra field bytes to append to both headers' extra fields.
    package mutating func addRaw(
        name: [UInt8], data: [UInt8], method: UInt16, flags: UInt16 = 0, crc32: UInt32, uncompressedSize: Int64,
        extra: [UInt8] = []
    ) {
        pending.append(
            Pending(
                name: name, flags: flags, method: method, crc32: crc32, data: data,
                uncompressedSize: uncompressedSize, extra: extra))
    }

    /// Lays out the archive.
    /// - Parameter forceZip64: write Zip64 extra fields for every entry (with all their 32-bit
    ///   fields saturated) and the Zip64 end record and locator, even when nothing needs them.
    /// - Returns: the archive's bytes.
    package func finish(forceZip64: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        let limit32 = Int64(UInt32.max)
        for entry in pending {
            let offset = Int64(out.count)
            let compressedSize = Int64(entry.data.count)
            let zip64 = forceZip64 || compressedSize >= limit32 || entry.uncompressedSize >= limit32
            let descriptor = entry.flags & ZipRecord.dataDescriptorFlag != 0
            // SharpCompress writes 63 ("version needed") for BZip2, LZMA, PPMd and ZStandard.
            let sharpCompress = entry.method > ZipRecord.methodDeflate
            let version: UInt16 = sharpCompress ? 63 : zip64 ? 45 : 20

            // Local header: in Zip64 both sizes go in the extra field (APPNOTE 4.5.3).
            var localExtra: [UInt8] = []
            // SharpCompress (UseZip64, as Duplicati sets it) adds the field to every local header
            // and still writes the real sizes in the 32-bit fields (format §4.1).
            if zip64 || (sharpCompress && !descriptor) {
                localExtra.le16(ZipRecord.zip64ExtraID)
                localExtra.le16(16)
                localExtra.le64(descriptor ? 0 : UInt64(entry.uncompressedSize))
                localExtra.le64(descriptor ? 0 : UInt64(compressedSize))
            }
            localExtra += entry.extra
            out.le32(ZipRecord.localHeaderSignature)
            out.le16(version)
            out.le16(entry.flags)
            out.le16(entry.method)
            out.le16(0)  // time 00:00
            out.le16(0x21)  // date 1980-01-01
            out.le32(descriptor ? 0 : entry.crc32)
            out.le32(zip64 ? UInt32.max : descriptor ? 0 : UInt32(compressedSize))
            out.le32(zip64 ? UInt32.max : descriptor ? 0 : UInt32(entry.uncompressedSize))
            out.le16(UInt16(entry.name.count))
            out.le16(UInt16(localExtra.count))
            out += entry.name
            out += localExtra
            out += entry.data
            if descriptor {
                out.le32(ZipRecord.dataDescriptorSignature)
                out.le32(entry.crc32)
                if zip64 {
                    out.le64(UInt64(compressedSize))
                    out.le64(UInt64(entry.uncompressedSize))
                } else {
                    out.le32(UInt32(compressedSize))
                    out.le32(UInt32(entry.uncompressedSize))
                }
            }

            // Central header: only saturated values go in the Zip64 field, in APPNOTE order.
            let saturateOffset = forceZip64 || offset >= limit32
            var centralExtra: [UInt8] = []
            var values: [UInt64] = []
            if zip64 { values += [UInt64(entry.uncompressedSize), UInt64(compressedSize)] }
            if saturateOffset { values.append(UInt64(offset)) }
            if !values.isEmpty {
                centralExtra.le16(ZipRecord.zip64ExtraID)
                centralExtra.le16(UInt16(values.count * 8))
                for value in values { centralExtra.le64(value) }
            }
            centralExtra += entry.extra
            central.le32(ZipRecord.centralHeaderSignature)
            central.le16(version)  // made by: MS-DOS attributes
            central.le16(version)
            central.le16(entry.flags)
            central.le16(entry.method)
            central.le16(0)
            central.le16(0x21)
            central.le32(entry.crc32)
            central.le32(zip64 ? UInt32.max : UInt32(compressedSize))
            central.le32(zip64 ? UInt32.max : UInt32(entry.uncompressedSize))
            central.le16(UInt16(entry.name.count))
            central.le16(UInt16(centralExtra.count))
            central.le16(0)  // comment length
            central.le16(0)  // disk
            central.le16(0)  // internal attributes
            central.le32(sharpCompress ? 0x8100_0000 : 0)  // external attributes: SharpCompress's
            central.le32(saturateOffset ? UInt32.max : UInt32(offset))
            central += entry.name
            central += centralExtra
        }

        let directoryOffset = Int64(out.count)
        let directorySize = Int64(central.count)
        out += central
        let count = pending.count
        let needZip64 = forceZip64 || count >= 0xFFFF || directoryOffset >= limit32 || directorySize >= limit32
        if needZip64 {
            let recordOffset = UInt64(out.count)
            out.le32(ZipRecord.zip64EndSignature)
            out.le64(UInt64(ZipRecord.zip64EndSize - 12))  // size of the rest of the record
            out.le16(45)
            out.le16(45)
            out.le32(0)
            out.le32(0)
            out.le64(UInt64(count))
            out.le64(UInt64(count))
            out.le64(UInt64(directorySize))
            out.le64(UInt64(directoryOffset))
            out.le32(ZipRecord.zip64LocatorSignature)
            out.le32(0)
            out.le64(recordOffset)
            out.le32(1)
        }
        let count16: UInt16 = forceZip64 || count >= 0xFFFF ? 0xFFFF : UInt16(count)
        out.le32(ZipRecord.endSignature)
        out.le16(0)
        out.le16(0)
        out.le16(count16)
        out.le16(count16)
        out.le32(forceZip64 || directorySize >= limit32 ? UInt32.max : UInt32(directorySize))
        out.le32(forceZip64 || directoryOffset >= limit32 ? UInt32.max : UInt32(directoryOffset))
        out.le16(0)
        return out
    }
}

extension [UInt8] {
    fileprivate mutating func le16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    fileprivate mutating func le32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    fileprivate mutating func le64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
