import Foundation
import Testing

@testable import TestSupport

/// Reads a written backup with an independent Python reader (zipfile + json + hashlib) and
/// compares what it rebuilds with the sample trees.
@Suite struct PythonCrossCheckTests {
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
        .map { "\($0)/python3" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static let script = #"""
        import base64, hashlib, json, os, sys, zipfile

        folder, blocksize = sys.argv[1], int(sys.argv[2])
        names = sorted(os.listdir(folder))

        def load(name):
            return zipfile.ZipFile(os.path.join(folder, name))

        def text(z, entry):
            data = z.read(entry)
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            return json.loads(data.decode("utf-8"))

        blocks = {}
        for name in names:
            if ".dblock." not in name:
                continue
            z = load(name)
            assert z.namelist()[0] == "manifest", name
            entries = []
            for info in z.infolist()[1:]:
                data = z.read(info)
                digest = hashlib.sha256(data).digest()
                assert base64.urlsafe_b64encode(digest).decode() == info.filename, info.filename
                blocks[digest] = data
                entries.append({"hash": base64.b64encode(digest).decode(), "size": len(data)})
            index = [n for n in names if ".dindex." in n and ("vol/" + name) in load(n).namelist()]
            assert len(index) == 1, name
            vol = text(load(index[0]), "vol/" + name)
            assert vol["blocks"] == entries, name
            raw = open(os.path.join(folder, name), "rb").read()
            assert vol["volumesize"] == len(raw)
            assert vol["volumehash"] == base64.b64encode(hashlib.sha256(raw).digest()).decode()

        hpb = blocksize // 32

        def stream(h, size, blocklists):
            if size == 0:
                return b""
            if not blocklists:
                data = blocks[base64.b64decode(h)]
            else:
                parts = []
                for j, lst in enumerate(blocklists):
                    raw = blocks[base64.b64decode(lst)]
                    for i in range(len(raw) // 32):
                        assert len(parts) == j * hpb + i
                        parts.append(blocks[raw[i * 32:(i + 1) * 32]])
                data = b"".join(parts)
            assert len(data) == size
            assert base64.b64encode(hashlib.sha256(data).digest()).decode() == h
            return data

        out = []
        for name in names:
            if ".dlist." not in name:
                continue
            z = load(name)
            manifest = text(z, "manifest")
            assert manifest["Blocksize"] == blocksize and manifest["BlockHash"] == "SHA256"
            version = []
            for e in text(z, "filelist.json"):
                meta = json.loads(stream(e["metahash"], e["metasize"], e.get("metablocklists")).decode("utf-8-sig"))
                item = {"type": e["type"], "path": e["path"], "meta": meta}
                if e["type"] == "File":
                    item["content"] = base64.b64encode(stream(e["hash"], e["size"], e.get("blocklists"))).decode()
                version.append(item)
            out.append(version)
        json.dump(out, sys.stdout)
        """#

    @Test(.enabled(if: python != nil))
    func independentPythonReaderRebuildsEveryVersion() throws {
        let dir = FixtureBackupWriterTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let backup = dir.appendingPathComponent("backup")
        try SampleBackup.write(to: backup)
        let scriptURL = dir.appendingPathComponent("check.py")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.python))
        process.arguments = [scriptURL.path, backup.path, "1024"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python: \(errorText)")

        let versions = try #require(try JSONSerialization.jsonObject(with: data) as? [[[String: Any]]])
        let expected = SampleBackup.versions()
        try #require(versions.count == expected.count)
        for (got, want) in zip(versions, expected) {
            #expect(got.count == want.count)
            for entry in want {
                let item = try #require(got.first { Array(($0["path"] as? String ?? "").utf8) == entry.pathBytes }, "\(entry.path)")
                let meta = try #require(item["meta"] as? [String: String])
                #expect(meta["CoreLastWritetime"] == String(entry.mtimeTicks))
                #expect(meta["unix:uid-gid-perm"] == "\(entry.uid)-\(entry.gid)-\(entry.mode & 0o777)")
                switch entry.content {
                case .folder:
                    #expect(item["type"] as? String == "Folder")
                case .file(let bytes):
                    let content = (item["content"] as? String).flatMap { Data(base64Encoded: $0) }
                    #expect(content.map { Array($0) } == bytes, "\(entry.path)")
                case .symlink(let target):
                    #expect(item["type"] as? String == "Symlink")
                    #expect(meta["CoreSymlinkTarget"].map { Array($0.utf8) } == Array(target.utf8))
                }
            }
        }
    }
}
