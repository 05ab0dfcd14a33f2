/// The zip compression methods `ZipWriter` writes; and, by number (PKWARE APPNOTE 4.4.5), which
/// methods this reader decodes and their names for messages.
package enum ZipMethod: Sendable {
    /// Method 0: the bytes as they are.
    case stored
    /// Method 8: raw DEFLATE.
    case deflate
    /// Method 12: a complete `.bz2` stream.
    case bzip2
    /// Method 14: a 9-byte LZMA header, then raw LZMA1 without an end marker.
    case lzma
    /// Method 93: one zstd frame.
    case zstandard
    /// Method 98: PPMd variant I rev. 1 with SharpCompress's parameters (order 6, 16 MiB,
    /// restart): the property word, the model's output and its end mark.
    case ppmd

    /// The method number in the zip headers.
    package var number: UInt16 {
        switch self {
        case .stored: ZipRecord.methodStored
        case .deflate: ZipRecord.methodDeflate
        case .bzip2: ZipRecord.methodBZip2
        case .lzma: ZipRecord.methodLZMA
        case .zstandard: ZipRecord.methodZstandard
        case .ppmd: ZipRecord.methodPPMd
        }
    }

    /// Whether entries in this method can be read: stored (0), deflate (8), BZip2 (12),
    /// LZMA (14), ZStandard (93) and PPMd (98), every method Duplicati's zip writers produce
    /// (format §4.1).
    /// - Parameter method: the central directory's method number.
    /// - Returns: true when ``ZipArchive`` decodes it.
    package static func isReadable(_ method: UInt16) -> Bool {
        switch method {
        case ZipRecord.methodStored, ZipRecord.methodDeflate, ZipRecord.methodBZip2, ZipRecord.methodLZMA,
            ZipRecord.methodZstandard, ZipRecord.methodPPMd:
            true
        default:
            false
        }
    }

    /// The method's name as zip tools give it, or "unknown".
    /// - Parameter method: a method number.
    /// - Returns: e.g. "Deflate", "ZStandard", "PPMd".
    package static func name(_ method: UInt16) -> String {
        switch method {
        case 0: "Stored"
        case 1: "Shrink"
        case 2, 3, 4, 5: "Reduce"
        case 6: "Implode"
        case 8: "Deflate"
        case 9: "Deflate64"
        case 10: "PKWARE DCL Implode"
        case 12: "BZip2"
        case 14: "LZMA"
        case 16: "IBM z/OS CMPSC"
        case 18: "IBM TERSE"
        case 19: "IBM LZ77"
        case 20, 93: "ZStandard"
        case 94: "MP3"
        case 95: "XZ"
        case 96: "JPEG"
        case 97: "WavPack"
        case 98: "PPMd"
        case 99: "AE-x encryption"
        default: "unknown"
        }
    }

    /// "method 98 (PPMd)": a method for messages.
    /// - Parameter method: a method number.
    /// - Returns: the number with its name.
    package static func describe(_ method: UInt16) -> String {
        "method \(method) (\(name(method)))"
    }
}
