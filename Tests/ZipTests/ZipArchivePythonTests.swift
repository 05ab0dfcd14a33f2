import ByteSource
import Foundation
import Testing
import Zip

/// Checks against an independent zip implementation: Python's `zipfile`. Skipped without python3.
@Suite("ZipArchive and Python's zipfile", .enabled(if: Python.isAvailable))
struct ZipArchivePythonTests {
    static let names = ["manifest", "filelist.json", "vol/dup-bé.dblock.zip", "empty", "dir\\sub\\file"]
    static let lineCounts = [3, 20_000, 500, 0, 1]

    /// The bytes the script below writes for entry `index`.
    static func content(_ index: Int) -> [UInt8] {
        var text = ""
        for line in 0..<lineCounts[index] { text += "line \(line) of entry \(index)\n" }
        return Array(text.utf8)
    }

    static let writerScript = """
        import sys, zipfile
        mode, path = sys.argv[1], sys.argv[2]
        names = \(pythonList(names))
        lines = \(lineCounts)
        def content(i):
            return "".join(f"line {j} of entry {i}\\n" for j in range(lines[i])).encode()
        out = sys.stdout.buffer if mode == "pipe" else open(path, "wb")
        if mode == "many":
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
                for i in range(70000):
                    z.writestr(f"b/{i}", str(i))
        else:
            method = {"bzip2": zipfile.ZIP_BZIP2, "lzma": zipfile.ZIP_LZMA}.get(mode, zipfile.ZIP_DEFLATED)
            with zipfile.ZipFile(out, "w", method) as z:
                for i, name in enumerate(names):
                    if mode == "zip64":
                        with z.open(name, "w", force_zip64=True) as w:
                            w.write(content(i))
                    else:
                        z.writestr(name, content(i))
        out.flush()
        """

    static func pythonList(_ strings: [String]) -> String {
        "[" + strings.map { "\"" + $0.unicodeScalars.map { $0 == "\\" ? "\\\\" : String($0) }.joined() + "\"" }
            .joined(separator: ", ") + "]"
    }

    func expectPythonEntries(_ bytes: [UInt8], expectDescriptors: Bool) throws {
        let (archive, contents) = try readAllWays(bytes)
        #expect(archive.entries.map(\.name) == Self.names.map { $0.replacingOccurrences(of: "\\", with: "/") })
        #expect(contents == Self.names.indices.map(Self.content))
        for entry in archive.entries where expectDescriptors {
            #expect(entry.flags & 0x8 != 0)
        }
    }

    @Test("reads a deflated zip written by zipfile")
    func readsDeflatedZip() throws {
        try expectPythonEntries(try Python.runWriter(Self.writerScript, mode: "file"), expectDescriptors: false)
    }

    @Test("reads a zip written by zipfile with force_zip64")
    func readsForcedZip64Zip() throws {
        try expectPythonEntries(try Python.runWriter(Self.writerScript, mode: "zip64"), expectDescriptors: false)
    }

    @Test("reads a zip written by zipfile to a pipe, with data descriptors")
    func readsZipWithDataDescriptors() throws {
        try expectPythonEntries(try Python.runWriter(Self.writerScript, mode: "pipe"), expectDescriptors: true)
    }

    @Test("reads BZip2 (method 12) entries written by zipfile")
    func readsBZip2Zip() throws {
        let bytes = try Python.runWriter(Self.writerScript, mode: "bzip2")
        try expectPythonEntries(bytes, expectDescriptors: false)
        #expect(try ZipArchive(source: ByteArraySource(bytes)).entries.allSatisfy { $0.method == 12 })
    }

    @Test("reads LZMA (method 14) entries written by zipfile, which ends them with an end marker")
    func readsLZMAZipWithEndMarkers() throws {
        let bytes = try Python.runWriter(Self.writerScript, mode: "lzma")
        try expectPythonEntries(bytes, expectDescriptors: false)
        // zipfile sets general purpose bit 1: the stream has an end-of-stream marker.
        #expect(try ZipArchive(source: ByteArraySource(bytes)).entries.allSatisfy { $0.method == 14 && $0.flags & 2 != 0 })
    }

    @Test("zipfile reads back the BZip2 and LZMA entries ZipWriter writes")
    func zipfileReadsOurBZip2AndLZMA() throws {
        for method in [ZipMethod.bzip2, .lzma] {
            var writer = ZipWriter()
            for index in Self.names.indices { writer.add(Self.names[index], Self.content(index), method: method) }
            let script = """
                import sys, zipfile, zlib
                with zipfile.ZipFile(sys.argv[2]) as z:
                    for info in z.infolist():
                        data = z.read(info)
                        print(f"{info.compress_type}\\t{len(data)}\\t{zlib.crc32(data)}")
                """
            let listing = try Python.runReader(script, zip: writer.finish()).split(separator: "\n").map(String.init)
            let expected = Self.names.indices.map { "\(method.number)\t\(Self.content($0).count)\t\(CRC32.checksum(Self.content($0)))" }
            #expect(listing == expected, "\(method)")
        }
    }

    @Test("reads 70000 entries written by zipfile")
    func readsManyEntries() throws {
        let archive = try ZipArchive(source: ByteArraySource(try Python.runWriter(Self.writerScript, mode: "many")))
        #expect(archive.entries.count == 70_000)
        for index in [0, 65_535, 65_536, 69_999] {
            let entry = try #require(archive.entry(named: "b/\(index)"))
            #expect(try archive.read(entry, limit: 10) == Array("\(index)".utf8))
        }
    }

    @Test("zipfile reads what ZipWriter writes", arguments: [false, true])
    func zipfileReadsZipWriterOutput(forceZip64: Bool) throws {
        var writer = ZipWriter()
        var expected: [String] = []
        for (index, name) in ["a", "dé/b", "c", "empty"].enumerated() {
            let data = name == "empty" ? [] : TestBytes.text(10_000 * (index + 1), seed: UInt64(index))
            writer.add(name, data, method: index % 2 == 0 ? .deflate : .stored, dataDescriptor: index >= 2)
            expected.append("\(name)\t\(data.count)\t\(CRC32.checksum(data))")
        }
        let script = """
            import sys, zipfile, zlib
            with zipfile.ZipFile(sys.argv[2]) as z:
                assert z.testzip() is None
                for info in z.infolist():
                    data = z.read(info)
                    print(f"{info.filename}\\t{len(data)}\\t{zlib.crc32(data)}")
            """
        let output = try Python.runReader(script, zip: writer.finish(forceZip64: forceZip64))
        #expect(output.split(separator: "\n").map(String.init) == expected)
    }
}

/// Runs python3 scripts in a temporary directory.
enum Python {
    static let isAvailable: Bool = (try? withTemporaryDirectory { try run(["-c", "import zipfile"], in: $0).status }) == 0

    /// Runs a writer script; "pipe" mode returns stdout, the others the file it wrote.
    static func runWriter(_ script: String, mode: String) throws -> [UInt8] {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("out.zip").path
            let result = try run(["-c", script, mode, path], in: directory)
            guard result.status == 0 else { throw PythonFailure(message: result.stderr) }
            return mode == "pipe" ? result.stdout : Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    /// Runs a reader script on a zip; returns its stdout as text.
    static func runReader(_ script: String, zip: [UInt8]) throws -> String {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("in.zip").path
            try Data(zip).write(to: URL(fileURLWithPath: path))
            let result = try run(["-c", script, "read", path], in: directory)
            guard result.status == 0 else { throw PythonFailure(message: result.stderr) }
            return String(decoding: result.stdout, as: UTF8.self)
        }
    }

    struct PythonFailure: Error { var message: String }

    private static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ZipTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    /// Runs python3 with stdout on a pipe (so zipfile sees an unseekable stream) and stderr in a file.
    private static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, stdout: [UInt8], stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONIOENCODING"] = "utf-8"
        process.environment = environment
        let errorURL = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        defer { try? errorHandle.close() }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = errorHandle
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = (try? Data(contentsOf: errorURL)) ?? Data()
        return (process.terminationStatus, Array(output), String(decoding: errors, as: UTF8.self))
    }
}
