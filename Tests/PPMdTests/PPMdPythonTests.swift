import Foundation
import Testing

@testable import PPMd

/// pyppmd (PyPI) wraps 7-Zip's Ppmd8 C code: a second independent implementation, when it is
/// installed (`pip install pyppmd`; the suite does not depend on it).
@Suite("PPMd against pyppmd", .enabled(if: PPMdSamples.pyppmdAvailable, "python3 with pyppmd is not installed"))
struct PPMdPythonTests {
    /// Runs a pyppmd script over a file; returns its output file.
    static func python(_ script: String, input: [UInt8], in directory: URL) throws -> [UInt8] {
        let inPath = directory.appendingPathComponent("in")
        let outPath = directory.appendingPathComponent("out")
        try Data(input).write(to: inPath)
        let full = "import sys, pyppmd\ndata = open(sys.argv[1], 'rb').read()\n" + script + "\nopen(sys.argv[2], 'wb').write(result)\n"
        try #require(try PPMdSamples.run("/usr/bin/env", ["python3", "-c", full, inPath.path, outPath.path]) == 0)
        return Array(try Data(contentsOf: outPath))
    }

    @Test("pyppmd's streams decode, and pyppmd decodes ours", arguments: [0, 1])
    func crossCheck(restore: Int) throws {
        let data = PPMdSamples.text(1_300_000, seed: 60) + PPMdSamples.random(200_000, seed: 61)
        let parameters = try PPMdParameters(order: 6, memoryMiB: 1, restoreMethod: restore == 0 ? .restart : .cutOff)
        let directory = try PPMdSamples.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        let theirs = try Self.python(
            "e = pyppmd.Ppmd8Encoder(6, 1 << 20, restore_method=\(restore))\nresult = e.encode(data) + e.flush(endmark=True)",
            input: data, in: directory)
        #expect(try PPMdSamples.decompress(theirs, size: data.count, parameters) == data)

        let ours = try PPMdSamples.compress(data, parameters)
        #expect(ours == theirs)
        let decoded = try Self.python(
            "d = pyppmd.Ppmd8Decoder(6, 1 << 20, restore_method=\(restore))\nresult = d.decode(data, \(data.count))",
            input: ours, in: directory)
        #expect(decoded == data)
    }
}
