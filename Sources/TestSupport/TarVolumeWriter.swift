/// Writes the tar inside a `.tgz`/`.tzstd` volume the way Duplicati's `FileArchiveTarBased` does
/// (format §4.3): a hand-made ustar header per entry (name cut to 99 bytes, possibly inside a
/// UTF-8 character), data padded to 512 bytes, then `.eof-header` with the JSON index, zero
/// padding, the 8-byte little-endian offset of its header and `EOFHD1`; no end-of-archive blocks.
package struct TarVolumeWriter {
    private var tar: [UInt8] = []
    /// The index, in write order: name → data offset and size.
    private var index: [(name: String, offset: Int, size: Int)] = []
    /// The Unix time written as every entry's mtime.
    package let mtime: Int64

    package init(mtime: Int64) {
        self.mtime = mtime
    }

    /// Adds an entry.
    package mutating func add(_ name: String, _ data: [UInt8]) {
        let nameBytes = Array(Array(name.utf8).prefix(99))
        appendHeader(name: nameBytes, size: data.count)
        index.append((name, tar.count, data.count))
        tar += data
        pad()
    }

    /// The finished tar.
    package func finish() -> [UInt8] {
        var out = self
        var json = "{"
        for (i, entry) in index.enumerated() {
            if i > 0 { json += "," }
            json += "\"\(Self.escaped(entry.name))\":{\"Offset\":\(entry.offset),\"Size\":\(entry.size),\"LastWriteTime\":\(mtime)}"
        }
        json += "}"
        let body = Array(json.utf8)
        // JSON, zero padding, then the 14-byte trailer, to a multiple of 512 in all.
        let total = (body.count + 14 + 511) / 512 * 512
        let headerOffset = out.tar.count
        out.appendHeader(name: Array(".eof-header".utf8), size: total)
        out.tar += body + [UInt8](repeating: 0, count: total - body.count - 14)
        out.tar += (0..<8).map { UInt8(truncatingIfNeeded: UInt64(headerOffset) >> (8 * UInt64($0))) }
        out.tar += Array("EOFHD1".utf8)
        return out.tar
    }

    /// `WriteUstarHeader`: mode 0000644, uid/gid 0000000 (space-ended), size and mtime as 11
    /// octal digits and a space, checksum as 6 octal digits, NUL, space; type 0; ustar magic.
    private mutating func appendHeader(name: [UInt8], size: Int) {
        var header = [UInt8](repeating: 0, count: 512)
        header.replaceSubrange(0..<name.count, with: name)
        func put(_ text: String, at offset: Int) {
            let bytes = Array(text.utf8)
            header.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        put("0000644 ", at: 100)
        put("0000000 ", at: 108)
        put("0000000 ", at: 116)
        put(Self.octal(size, digits: 11) + " ", at: 124)
        put(Self.octal(Int(mtime), digits: 11) + " ", at: 136)
        put("        ", at: 148)
        header[156] = UInt8(ascii: "0")
        put("ustar\0", at: 257)
        put("00", at: 263)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(Self.octal(sum, digits: 6), at: 148)
        header[154] = 0
        header[155] = 0x20
        tar += header
    }

    private mutating func pad() {
        tar += [UInt8](repeating: 0, count: (512 - tar.count % 512) % 512)
    }

    static func octal(_ value: Int, digits: Int) -> String {
        let text = String(value, radix: 8)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// System.Text.Json's default escaping: control characters, non-ASCII and `<>&'"+\` (and
    /// a backtick) as `\uXXXX` (UTF-16 units).
    static func escaped(_ text: String) -> String {
        var out = ""
        for unit in text.utf16 {
            switch unit {
            case 0x20..<0x7F where !"<>&'\"+\\`".utf16.contains(unit):
                out.unicodeScalars.append(Unicode.Scalar(unit)!)
            default:
                let hex = String(unit, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out
    }
}
