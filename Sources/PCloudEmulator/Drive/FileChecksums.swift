import Crypto
import Foundation

/// The md5, sha1 and sha256 of a file's bytes, as lower-case hex.
package struct FileChecksums: Sendable, Equatable {
    /// MD5 (reported by US servers).
    package var md5: String
    /// SHA-1 (reported by both regions).
    package var sha1: String
    /// SHA-256 (reported by EU servers).
    package var sha256: String

    /// Incremental computation of all three digests.
    package struct Accumulator {
        private var md5 = Insecure.MD5()
        private var sha1 = Insecure.SHA1()
        private var sha256 = SHA256()

        /// Starts empty.
        package init() {}

        /// Feeds `bytes`.
        package mutating func update(_ bytes: UnsafeRawBufferPointer) {
            md5.update(bufferPointer: bytes)
            sha1.update(bufferPointer: bytes)
            sha256.update(bufferPointer: bytes)
        }

        /// The digests of everything fed so far.
        package func finalize() -> FileChecksums {
            FileChecksums(
                md5: hex(md5.finalize()), sha1: hex(sha1.finalize()), sha256: hex(sha256.finalize()))
        }
    }

    /// Reads the file at `url` in chunks and digests it.
    /// - Throws: When the file cannot be read.
    package static func compute(fileAt url: URL) throws -> FileChecksums {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var accumulator = Accumulator()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { accumulator.update($0) }
        }
        return accumulator.finalize()
    }

    /// SHA-256 of `bytes`, raw.
    static func sha256(of bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }
}

private func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    let digits: [Character] = Array("0123456789abcdef")
    var out = ""
    for byte in digest {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return out
}
