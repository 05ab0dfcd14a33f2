import Foundation
import Testing

/// Every input saved under `Inputs/<target>/` (crashes the fuzzers found, and hand-made edge
/// cases) goes through the very body its fuzz target runs. Each must return or throw inside the
/// parsers, never trap; the bodies also check that the parsers' different paths agree.
@Suite struct FuzzRegressionTests {
    /// The inputs saved for one fuzz target, with their file names.
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Inputs").appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: folder.appendingPathComponent($0)))) }
    }

    @Test func savedAESCryptInputsReturnOrThrowWithoutCrashing() throws {
        let saved = try Self.inputs("fuzz-aescrypt")
        #expect(!saved.isEmpty)
        for input in saved { AESCryptFuzzBody.run(input.bytes) }
        for file in AESCryptFuzzBody.keyFiles { AESCryptFuzzBody.run(file) }
        AESCryptFuzzBody.run([])
    }

    @Test func savedZipInputsReturnOrThrowWithoutCrashing() throws {
        let saved = try Self.inputs("fuzz-zip")
        #expect(!saved.isEmpty)
        for input in saved { ZipFuzzBody.run(input.bytes) }
        ZipFuzzBody.run([])
    }

    @Test func savedFormatInputsReturnOrThrowWithoutCrashing() throws {
        let saved = try Self.inputs("fuzz-json")
        #expect(!saved.isEmpty)
        for input in saved { FormatFuzzBody.run(input.bytes) }
        for parser in FormatFuzzBody.Parser.allCases { FormatFuzzBody.run(FormatFuzzBody.input(parser, [])) }
    }

    @Test func savedInflateInputsReturnOrThrowWithoutCrashing() throws {
        let saved = try Self.inputs("fuzz-inflate")
        #expect(!saved.isEmpty)
        for input in saved { InflateFuzzBody.run(input.bytes) }
        InflateFuzzBody.run([])
    }

    @Test func validKeyFilesDecryptToTheirPlaintext() throws {
        // Guards the bodies themselves: the cached-key path needs files that really open.
        for file in AESCryptFuzzBody.keyFiles {
            #expect(AESCryptFuzzBody.decryptsWithPassphrase(file))
        }
    }
}
