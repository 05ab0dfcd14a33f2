import Foundation
import Testing

/// The official AES Crypt known-answer vectors in `../shared/testdata/aescrypt-vectors.json`.
struct OfficialVector: Decodable, CustomStringConvertible {
    let format: Int
    let password: String
    let plaintext: String
    let ciphertextHex: String

    enum CodingKeys: String, CodingKey {
        case format, password, plaintext
        case ciphertextHex = "ciphertext_hex"
    }

    var plaintextBytes: [UInt8] { Array(plaintext.utf8) }
    var file: [UInt8] { bytes(hex: ciphertextHex) }
    var description: String { "v\(format) \(plaintextBytes.count) bytes" }

    /// The vectors file, found beside the package as `../shared/testdata`; `nil` when absent.
    static let url: URL? = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                let candidate = directory.deletingLastPathComponent()
                    .appendingPathComponent("shared/testdata/aescrypt-vectors.json")
                return FileManager.default.fileExists(atPath: candidate.path) ? candidate : nil
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    static var available: Bool { url != nil }

    static func load() throws -> [OfficialVector] {
        struct Document: Decodable { let vectors: [OfficialVector] }
        let url = try #require(url)
        return try JSONDecoder().decode(Document.self, from: Data(contentsOf: url)).vectors
    }
}

/// Bytes of a hex string (test data only).
func bytes(hex text: String) -> [UInt8] {
    let characters = Array(text.utf8)
    return stride(from: 0, to: characters.count - 1, by: 2).map {
        UInt8(String(decoding: characters[$0..<$0 + 2], as: UTF8.self), radix: 16) ?? 0
    }
}

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
func patternBytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
}
