import AESCrypt
import ByteSource
import Foundation
import Testing
import Zip

@testable import TestSupport

@Suite struct FixtureBackupWriterTests {
    /// A fresh temporary folder for one test.
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("testsupport-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func passphrase(_ options: FixtureOptions) -> String? {
        if case .aes(_, let passphrase, _) = options.encryption { return passphrase }
        return nil
    }

    @Test func sampleBackupHasTheExpectedFileNames() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dlists = try SampleBackup.write(to: dir)
        #expect(dlists == [
            "duplicati-20240101T100000Z.dlist.zip", "duplicati-20240201T100000Z.dlist.zip",
            "duplicati-20240301T100000Z.dlist.zip",
        ])
        let names = try FixtureDamage.volumeNames(in: dir)
        let dblocks = names.filter { $0.contains(".dblock.") }
        let dindexes = names.filter { $0.contains(".dindex.") }
        #expect(names.count == dblocks.count + dindexes.count + 3)
        #expect(dblocks.count >= 4)  // 64 KiB volumes: the first version alone spans several
        #expect(dindexes.count == dblocks.count)
        for name in dblocks + dindexes {
            let pattern = /duplicati-[bi][0-9a-f]{32}\.d(block|index)\.zip/
            #expect(name.wholeMatch(of: pattern) != nil, "\(name)")
        }
    }

    @Test func unencryptedFixturesAreReproducible() throws {
        let first = Self.temporaryDirectory()
        let second = Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        try SampleBackup.write(to: first)
        try SampleBackup.write(to: second)
        let names = try FixtureDamage.volumeNames(in: first)
        #expect(try FixtureDamage.volumeNames(in: second) == names)
        for name in names {
            #expect(try FixtureDamage.readVolume(name, in: first) == FixtureDamage.readVolume(name, in: second))
        }
    }

    @Test(arguments: [
        FixtureEncryption.none, .aes(.v2, passphrase: "Test-pässwörd-€"), .aes(.v3, passphrase: "pw", iterations: 3),
    ])
    func everyVolumeOpensWithManifestFirst(encryption: FixtureEncryption) throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = SampleBackup.defaultOptions
        options.encryption = encryption
        try SampleBackup.write(to: dir, options: options)
        let reading = BackupReading(directory: dir, passphrase: Self.passphrase(options), options: options)
        for name in try FixtureDamage.volumeNames(in: dir) {
            #expect(name.hasSuffix(encryption.suffix.isEmpty ? ".zip" : ".zip.aes"))
            let raw = try FixtureDamage.readVolume(name, in: dir)
            if case .aes(let version, _, _) = encryption {
                #expect(Array(raw.prefix(4)) == [0x41, 0x45, 0x53, version == .v2 ? 2 : 3])
            }
            let archive = try reading.open(name)
            #expect(archive.entries.first?.name == "manifest", "\(name)")
            let manifestBytes = try reading.bytes(archive, "manifest")
            #expect(manifestBytes.starts(with: [0xEF, 0xBB, 0xBF]))
            let text = String(decoding: manifestBytes.dropFirst(3), as: UTF8.self)
            #expect(text.hasPrefix(#"{"Version":2,"Created":"2024"#))
            #expect(text.hasSuffix(#"Z","Encoding":"utf8","Blocksize":1024,"BlockHash":"SHA256","FileHash":"SHA256","AppVersion":"2.1.0.5"}"#))
        }
    }

    @Test(arguments: [
        (AESCryptVersion.v2, AESHeaderStyle.minimal), (.v3, .minimal), (.v2, .createdByOnly), (.v3, .dated),
    ])
    func aesHeaderStyleWritesItsExtensions(version: AESCryptVersion, style: AESHeaderStyle) throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(version, passphrase: "pw", iterations: 3)
        options.aesHeader = style
        try SampleBackup.write(to: dir, options: options)
        let reading = BackupReading(directory: dir, passphrase: "pw", options: options)
        for name in try FixtureDamage.volumeNames(in: dir) {
            let raw = try FixtureDamage.readVolume(name, in: dir)
            let text = String(decoding: raw.prefix(400), as: UTF8.self)
            switch style {
            case .minimal:
                // The extension list is only its terminator.
                #expect(Array(raw[5..<7]) == [0, 0], "\(name)")
            case .createdByOnly:
                #expect(Array(raw[5..<7]) == [0, 33])
                #expect(String(decoding: raw[7..<40], as: UTF8.self) == "CREATED_BY\0SharpAESCrypt v1.3.4.0")
                #expect(Array(raw[40..<43]) == [0, 128, 0])  // the container
                #expect(Array(raw[170..<172]) == [0, 0])
            case .dated:
                #expect(text.contains("CREATED_BY\0SharpAESCrypt v3.0.0.0"))
                #expect(text.contains("CREATED_DATE\0"))
            }
            #expect(try reading.open(name).entries.first?.name == "manifest")
        }
    }

    @Test func encryptedBackupRestoresLikeThePlainOne() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "dupfs-sample")
        let dlists = try SampleBackup.write(to: dir, options: options)
        try expectRestoresSample(dir: dir, dlists: dlists, options: options, passphrase: "dupfs-sample")
    }

    @Test func everyDblockEntryHashesToItsName() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = SampleBackup.defaultOptions
        try SampleBackup.write(to: dir, options: options)
        let reading = BackupReading(directory: dir, passphrase: nil, options: options)
        var seen = 0
        for name in try FixtureDamage.volumeNames(in: dir) where name.contains(".dblock.") {
            let archive = try reading.open(name)
            for entry in archive.entries.dropFirst() {
                let bytes = try archive.read(entry, limit: 1 << 20)
                #expect(Base64Text.url(options.blockHash.digest(bytes)) == entry.name)
                #expect(bytes.count <= options.blocksize)
                seen += 1
            }
        }
        #expect(seen > 100)
    }

    @Test func dindexDescribesExactlyItsDblock() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "x")
        try SampleBackup.write(to: dir, options: options)
        let reading = BackupReading(directory: dir, passphrase: "x", options: options)
        let names = try FixtureDamage.volumeNames(in: dir)
        var blocklistCopies = 0
        for index in names where index.contains(".dindex.") {
            let archive = try reading.open(index)
            let vols = archive.entries.filter { $0.name.hasPrefix("vol/") }
            try #require(vols.count == 1)
            let dblock = String(vols[0].name.dropFirst(4))
            #expect(names.contains(dblock))
            let volBytes = try archive.read(vols[0], limit: 1 << 24)
            #expect(volBytes.first == UInt8(ascii: "{"))  // no BOM
            let vol = try #require(try BackupReading.json(volBytes) as? [String: Any])
            let listed = try #require(vol["blocks"] as? [[String: Any]]).map {
                "\($0["hash"] as? String ?? "?")/\($0["size"] as? Int ?? -1)"
            }
            let uploaded = try FixtureDamage.readVolume(dblock, in: dir)
            #expect(vol["volumesize"] as? Int == uploaded.count)
            #expect(vol["volumehash"] as? String == Base64Text.standard(options.fileHash.digest(uploaded)))

            let blockArchive = try reading.open(dblock)
            var actual: [String] = []
            var blocklists: [String: [UInt8]] = [:]
            for entry in blockArchive.entries.dropFirst() {
                let bytes = try blockArchive.read(entry, limit: 1 << 20)
                let hash = Base64Text.standard(options.blockHash.digest(bytes))
                actual.append("\(hash)/\(bytes.count)")
                if entry.method == 0 { blocklists[entry.name] = bytes }
            }
            #expect(listed == actual)
            for entry in archive.entries where entry.name.hasPrefix("list/") {
                let name = String(entry.name.dropFirst(5))
                #expect(entry.method == 0)
                #expect(try archive.read(entry, limit: 1 << 20) == blocklists[name])
                blocklistCopies += 1
            }
        }
        #expect(blocklistCopies > 0)
    }

    @Test func indexPolicyDecidesWhichIndexEntriesExist() throws {
        for policy in [IndexFilePolicy.lookup, .none] {
            let dir = Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var options = SampleBackup.defaultOptions
            options.indexPolicy = policy
            try SampleBackup.write(to: dir, options: options)
            let names = try FixtureDamage.volumeNames(in: dir)
            let indexes = names.filter { $0.contains(".dindex.") }
            if policy == .none {
                #expect(indexes.isEmpty)
            } else {
                #expect(indexes.count == names.filter { $0.contains(".dblock.") }.count)
                let reading = BackupReading(directory: dir, passphrase: nil, options: options)
                for index in indexes {
                    #expect(try reading.open(index).entries.map(\.name).allSatisfy { !$0.hasPrefix("list/") })
                }
            }
        }
    }

    @Test func unchangedVersionStoresNoNewBlocks() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try FixtureBackupWriter(directory: dir, options: SampleBackup.defaultOptions)
        let tree = SampleBackup.versions()[0]
        try writer.addVersion(tree, time: SampleBackup.times[0])
        let afterFirst = writer.volumeNames.count
        let second = try writer.addVersion(tree, time: SampleBackup.times[1])
        #expect(writer.volumeNames.count == afterFirst + 1)
        #expect(writer.volumeNames.last == second)
    }

    @Test func changedVersionStoresOnlyNewBlocks() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = SampleBackup.defaultOptions
        let writer = try FixtureBackupWriter(directory: dir, options: options)
        let versions = SampleBackup.versions()
        try writer.addVersion(versions[0], time: SampleBackup.times[0])
        let firstVolumes = Set(writer.volumeNames)
        try writer.addVersion(versions[1], time: SampleBackup.times[1])
        let reading = BackupReading(directory: dir, passphrase: nil, options: options)
        var secondBlocks = Set<String>()
        for name in writer.volumeNames where !firstVolumes.contains(name) && name.contains(".dblock.") {
            secondBlocks.formUnion(try reading.open(name).entries.dropFirst().map(\.name))
        }
        let unchanged = try #require(versions[1].first { $0.path.hasSuffix("/one-block.bin") }?.fileBytes)
        #expect(!secondBlocks.contains(Base64Text.url(options.blockHash.digest(unchanged))))
        // README.txt grew at its end only: its first block is old, its last block is new.
        let readme = try #require(versions[1].first { $0.path.hasSuffix("/README.txt") }?.fileBytes)
        let hashes = writer.blockHashes(of: readme).map(Base64Text.url)
        #expect(!secondBlocks.contains(hashes[0]))
        #expect(secondBlocks.contains(hashes[hashes.count - 1]))
        // The one changed block of big.bin is new; the blocks around it are not.
        #expect(secondBlocks.count < 40)
    }

    @Test func allVersionsRestoreFromTheWrittenVolumes() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = SampleBackup.defaultOptions
        let dlists = try SampleBackup.write(to: dir, options: options)
        try expectRestoresSample(dir: dir, dlists: dlists, options: options, passphrase: nil)
    }

    @Test func differentBlockAndFileHashesWriteBlockhashFields() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = SampleBackup.defaultOptions
        options.blockHash = .sha1
        options.fileHash = .md5
        options.zip64 = true
        options.dataDescriptors = true
        let dlists = try SampleBackup.write(to: dir, options: options)
        try expectRestoresSample(dir: dir, dlists: dlists, options: options, passphrase: nil)
        let reading = BackupReading(directory: dir, passphrase: nil, options: options)
        let text = String(decoding: try reading.bytes(try reading.open(dlists[0]), "filelist.json"), as: UTF8.self)
        #expect(text.contains(#""metablockhash":"#))
        #expect(text.contains(#""blockhash":"#))
        #expect(text.contains(#","blocksize":1024}"#))
    }

    @Test func filelistFollowsDuplicatiOrder() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = SampleBackup.defaultOptions
        let dlists = try SampleBackup.write(to: dir, options: options)
        let reading = BackupReading(directory: dir, passphrase: nil, options: options)
        let archive = try reading.open(dlists[0])
        #expect(archive.entries.map(\.name) == ["manifest", "filelist.json", "fileset"])
        #expect(try reading.bytes(archive, "fileset") == [0xEF, 0xBB, 0xBF] + Array(#"{"IsFullBackup":true}"#.utf8))
        let raw = try reading.bytes(archive, "filelist.json")
        #expect(raw.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: raw.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix(#"[{"type":"Folder","path":"/data/sample/","metahash":""#))
        #expect(text.contains(#"{"type":"File","path":"/data/sample/empty.txt","hash":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","size":0,"time":""#))
        #expect(text.contains(#""path":"/data/sample/quote\"and\\backslash.txt""#))
        #expect(text.contains(#""path":"/data/sample/tab\there.txt""#))
        let records = try #require(try BackupReading.json(raw) as? [[String: Any]])
        let kinds = records.map { $0["type"] as? String == "File" ? 1 : 0 }
        #expect(kinds == kinds.sorted())
        let paths = records.map { Array(($0["path"] as? String ?? "").utf8) }
        let folders = paths.prefix(kinds.firstIndex(of: 1) ?? 0)
        let files = paths.suffix(from: kinds.firstIndex(of: 1) ?? 0)
        #expect(folders.elementsEqual(folders.sorted { $0.lexicographicallyPrecedes($1) }))
        #expect(files.elementsEqual(files.sorted { $0.lexicographicallyPrecedes($1) }))
        // Key order of a multi-block file: hash, size, time, metahash, metasize, blocklists.
        let big = try #require(text.firstRange(of: #"{"type":"File","path":"/data/sample/big.bin","hash":""#))
        let rest = text[big.upperBound...]
        let order = ["\"size\":", "\"time\":", "\"metahash\":", "\"metasize\":", "\"blocklists\":["]
        let positions = order.compactMap { rest.firstRange(of: $0)?.lowerBound }
        #expect(positions.count == order.count && positions == positions.sorted())
    }

    @Test func partialVersionAndCollidingTimesAreRecorded() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = FixtureOptions(blocksize: 1024)
        options.prefix = "other"
        let writer = try FixtureBackupWriter(directory: dir, options: options)
        let entry = FixtureEntry(path: "/x", content: .file([1, 2, 3]))
        let first = try writer.addVersion([entry], time: SampleBackup.times[0], isFullBackup: false)
        let second = try writer.addVersion([entry], time: SampleBackup.times[0])
        #expect(first == "other-20240101T100000Z.dlist.zip")
        #expect(second == "other-20240101T100001Z.dlist.zip")
        let reading = BackupReading(directory: dir, passphrase: nil, options: options)
        #expect(try reading.bytes(try reading.open(first), "fileset") == [0xEF, 0xBB, 0xBF] + Array(#"{"IsFullBackup":false}"#.utf8))
    }

    @Test func windowsEntriesGetWindowsMetadataAndBackslashFolders() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = FixtureOptions(blocksize: 1024)
        options.filelistBOM = false
        options.writeFileset = false
        let writer = try FixtureBackupWriter(directory: dir, options: options)
        let entries = [
            FixtureEntry(path: "C:\\Users\\ann", content: .folder, windows: true),
            FixtureEntry(path: "C:\\Users\\ann\\x.txt", content: .file(Array("hi".utf8)), windows: true),
            FixtureEntry(path: "\\\\srv\\share\\f", content: .file([]), windows: true),
        ]
        let dlist = try writer.addVersion(entries, time: SampleBackup.times[0])
        let reading = BackupReading(directory: dir, passphrase: nil, options: options)
        let archive = try reading.open(dlist)
        #expect(archive.entries.map(\.name) == ["manifest", "filelist.json"])
        let raw = try reading.bytes(archive, "filelist.json")
        #expect(raw.first == UInt8(ascii: "["))
        let records = try reading.records(dlist: dlist, blocks: try reading.allBlocks())
        #expect(records.map(\.path) == ["C:\\Users\\ann\\", "C:\\Users\\ann\\x.txt", "\\\\srv\\share\\f"])
        #expect(records[0].metadata.keys.sorted() == ["CoreAttributes", "CoreCreatetime", "CoreLastWritetime"])
        #expect(records[0].metadata["CoreAttributes"] == "Directory")
        #expect(records[1].metadata["CoreAttributes"] == "Archive")
        #expect(records[1].content == Array("hi".utf8))
    }

    @Test func smallVolumeSizeSplitsBlocksOverSeveralDblocks() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = FixtureOptions(blocksize: 1024, volumeSize: 4096)
        let writer = try FixtureBackupWriter(directory: dir, options: options)
        let bytes = SampleBackup.random(20 * 1024, "split")
        try writer.addVersion([FixtureEntry(path: "/f.bin", content: .file(bytes))], time: SampleBackup.times[0])
        let dblocks = writer.volumeNames.filter { $0.contains(".dblock.") }
        #expect(dblocks.count >= 6)
        let hashes = writer.blockHashes(of: bytes)
        #expect(writer.dblockName(holding: hashes[0]) != writer.dblockName(holding: hashes[19]))
        #expect(dblocks.allSatisfy { writer.dindexName(for: $0) != nil })
    }

    @Test func withoutDeduplicationEachVersionStoresItsBlocksAgain() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = FixtureOptions(blocksize: 1024)
        options.deduplicate = false
        let writer = try FixtureBackupWriter(directory: dir, options: options)
        let entry = FixtureEntry(path: "/f.bin", content: .file(SampleBackup.random(3000, "again")))
        try writer.addVersion([entry], time: SampleBackup.times[0])
        try writer.addVersion([entry], time: SampleBackup.times[1])
        #expect(writer.volumeNames.filter { $0.contains(".dblock.") }.count == 2)
    }

    @Test func invalidOptionsAreRejected() {
        var options = FixtureOptions(blocksize: 1024)
        options.prefix = "bad-prefix"
        #expect(throws: FixtureError.self) { try FixtureBackupWriter(directory: Self.temporaryDirectory(), options: options) }
        #expect(throws: FixtureError.self) {
            try FixtureBackupWriter(directory: Self.temporaryDirectory(), options: FixtureOptions(blocksize: 32))
        }
    }

    /// Rebuilds every version with `BackupReading` and compares it with `SampleBackup.versions`.
    func expectRestoresSample(dir: URL, dlists: [String], options: FixtureOptions, passphrase: String?) throws {
        let reading = BackupReading(directory: dir, passphrase: passphrase, options: options)
        let blocks = try reading.allBlocks()
        let versions = SampleBackup.versions(blocksize: options.blocksize, hashSize: options.blockHash.digestSize)
        for (dlist, expected) in zip(dlists, versions) {
            let records = try reading.records(dlist: dlist, blocks: blocks)
            #expect(records.count == expected.count)
            for entry in expected {
                let record = try #require(records.first { Array($0.path.utf8) == entry.pathBytes }, "\(entry.path)")
                let metadata = record.metadata
                #expect(metadata["unix:uid-gid-perm"] == "\(entry.uid)-\(entry.gid)-\(entry.mode & 0o777)")
                #expect(metadata["unix:owner-name"] == entry.ownerName)
                #expect(metadata["unix:group-name"] == entry.groupName)
                #expect(metadata["CoreLastWritetime"] == String(entry.mtimeTicks))
                switch entry.content {
                case .folder:
                    #expect(record.type == "Folder")
                case .file(let bytes):
                    #expect(record.type == "File")
                    #expect(record.content == bytes, "\(entry.path)")
                case .symlink(let target):
                    #expect(record.type == "Symlink")
                    #expect(metadata["CoreSymlinkTarget"].map { Array($0.utf8) } == Array(target.utf8))
                }
            }
        }
    }
}

@Suite struct FixtureCompressionTests {
    @Test func storedExtensionsAndBlocklistsAreStoredOthersDeflated() throws {
        let dir = FixtureBackupWriterTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let options = FixtureOptions(blocksize: 1024)
        let writer = try FixtureBackupWriter(directory: dir, options: options)
        let photo = SampleBackup.random(3000, "photo")
        let text = SampleBackup.text(lines: 10, seed: "t")
        try writer.addVersion([
            FixtureEntry(path: "/p/photo.JPG", content: .file(photo)),
            FixtureEntry(path: "/p/notes.txt", content: .file(text)),
        ], time: SampleBackup.times[0])
        let reading = BackupReading(directory: dir, passphrase: nil, options: options)
        let dblock = try #require(writer.volumeNames.first { $0.contains(".dblock.") })
        let methods = Dictionary(uniqueKeysWithValues: try reading.open(dblock).entries.map { ($0.name, $0.method) })
        for hash in writer.blockHashes(of: photo) { #expect(methods[Base64Text.url(hash)] == 0) }
        for hash in writer.blockHashes(of: text) { #expect(methods[Base64Text.url(hash)] == 8) }
        let list = options.blockHash.digest(writer.blockHashes(of: photo).flatMap { $0 })
        #expect(methods[Base64Text.url(list)] == 0)
        #expect(methods["manifest"] == 8)
    }
}
