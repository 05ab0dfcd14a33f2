import Foundation

@testable import PPMd

/// Test data and helpers shared by the PPMd suites.
enum PPMdSamples {
    /// p7zip's `7z`, when installed (scripts/setup installs p7zip-full).
    static let sevenZip: String? = ["/usr/bin/7z", "/usr/bin/7za"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// Whether python3 can import pyppmd (not a dependency of the suite: tests skip without it).
    static let pyppmdAvailable: Bool = (try? run("/usr/bin/env", ["python3", "-c", "import pyppmd"])) == 0

    /// Deterministic pseudo-random bytes (xorshift), the same on every run.
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    /// English-like text from a small vocabulary, with numbers and line breaks: compressible
    /// but not trivially so, and it keeps making new contexts.
    static func text(_ count: Int, seed: UInt64) -> [UInt8] {
        let words = [
            "block", "volume", "hash", "the", "of", "Duplicati", "backup", "restore", "index", "list", "zip",
            "entry", "method", "PPMd", "context", "model", "symbol", "escape", "range", "coder", "order", "and",
        ]
        let picks = random(count, seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count + 16)
        var index = 0
        while out.count < count {
            let pick = Int(picks[index % picks.count])
            index += 1
            if pick % 17 == 0 {
                out += Array("\(pick * 37 + index)".utf8)
            } else {
                out += Array(words[pick % words.count].utf8)
            }
            out.append(pick % 11 == 0 ? 0x0A : 0x20)
        }
        return Array(out.prefix(count))
    }

    static func compress(_ data: [UInt8], _ parameters: PPMdParameters) throws -> [UInt8] {
        let encoder = try PPMdEncoder(parameters: parameters)
        data.withUnsafeBytes { encoder.encode($0) }
        return encoder.finish()
    }

    /// Decodes a whole stream of known size, end mark included, in one go.
    static func decompress(_ stream: [UInt8], size: Int, _ parameters: PPMdParameters) throws -> [UInt8] {
        let decoder = try PPMdDecoder(parameters: parameters)
        var output = [UInt8](repeating: 0, count: size)
        let consumed = try stream.withUnsafeBytes { input -> Int in
            let (used, produced) = try output.withUnsafeMutableBytes { out in
                try decoder.decode(input, isLast: true, into: out)
            }
            guard produced == size else { throw PPMdError.truncated }
            return used + (try decoder.finish(UnsafeRawBufferPointer(rebasing: input[used...])))
        }
        guard consumed == stream.count else { throw PPMdError.corrupt("\(stream.count - consumed) bytes after the end") }
        return output
    }

    /// Runs a program; nil when it is not installed.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], in directory: URL? = nil) throws -> Int32? {
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ppmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
