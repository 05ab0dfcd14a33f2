/// Decodes central directory names: UTF-8 when valid (whatever bit 11 says: old writers set
/// no flag yet wrote UTF-8), else CP437, the zip default. `\` becomes `/` because Duplicati's
/// readers match names either way (duplicati-format.md §4.1).
enum EntryName {
    /// Decodes a raw name.
    /// - Parameters:
    ///   - raw: the name bytes from the central directory.
    ///   - unicodePath: the Info-ZIP Unicode Path (0x7075) extra field's data, if present.
    /// - Returns: the normalised name.
    static func decode(_ raw: UnsafeRawBufferPointer, unicodePath: UnsafeRawBufferPointer?) -> String {
        if let unicodePath, let name = fromUnicodePath(unicodePath, raw: raw) {
            return normalised(name)
        }
        let bytes = UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count)
        if let name = String(validating: bytes, as: UTF8.self) {
            return normalised(name)
        }
        return normalised(cp437(bytes))
    }

    /// The Unicode Path field: version 1, CRC-32 of the header's raw name, then the UTF-8 name.
    /// It counts only while the CRC matches: a tool that renamed the entry leaves it stale.
    private static func fromUnicodePath(_ field: UnsafeRawBufferPointer, raw: UnsafeRawBufferPointer) -> String? {
        guard field.count >= 5, field[0] == 1 else { return nil }
        let crc = UInt32(littleEndian: field.loadUnaligned(fromByteOffset: 1, as: UInt32.self))
        guard crc == CRC32.checksum(raw) else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: field[5...])
        let bytes = UnsafeBufferPointer(start: name.baseAddress?.assumingMemoryBound(to: UInt8.self), count: name.count)
        return String(validating: bytes, as: UTF8.self)
    }

    private static func normalised(_ name: String) -> String {
        guard name.utf8.contains(UInt8(ascii: "\\")) else { return name }
        return name.replacingBackslashes()
    }

    private static func cp437(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if byte < 0x80 {
                scalars.append(Unicode.Scalar(byte))
            } else {
                scalars.append(cp437High[Int(byte - 0x80)])
            }
        }
        return String(scalars)
    }

    /// Code page 437, bytes 0x80...0xFF.
    private static let cp437High: [Unicode.Scalar] = Array(
        ("ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐"
            + "└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{00A0}").unicodeScalars)
}

extension String {
    fileprivate func replacingBackslashes() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "\\") ? UInt8(ascii: "/") : $0 }, as: UTF8.self)
    }
}
