import DuplicatiFormat

/// The `fuzz-json` body: the first byte picks one of Duplicati's text formats, the rest is the
/// document (or name, or path).
package enum FormatFuzzBody {
    /// What the first byte selects (modulo the number of cases).
    package enum Parser: UInt8, CaseIterable {
        case manifest, fileset, filelist, indexVolumeList, entryMetadata, volumeName, sourcePath, blockHashName
        case tarVolumeIndex
    }

    /// Makes an input for one parser, for corpus seeds and tests.
    /// - Parameters:
    ///   - parser: the parser to feed.
    ///   - payload: the document.
    ///   - parameters: bytes between selector and payload: the chunk seed and object limit for
    ///     `.filelist`, the hash size for `.blockHashName`; defaults fit the seeds.
    /// - Returns: the whole input.
    package static func input(_ parser: Parser, _ payload: [UInt8], parameters: [UInt8]? = nil) -> [UInt8] {
        let defaults: [UInt8] = switch parser {
        case .filelist: [0, 0]
        case .blockHashName: [32]
        default: []
        }
        return [parser.rawValue] + (parameters ?? defaults) + payload
    }

    /// Runs one input.
    /// - Parameter data: selector, parameters, payload.
    package static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        guard let parser = Parser(rawValue: input.byte() % UInt8(Parser.allCases.count)) else { return }
        switch parser {
        case .manifest:
            if let manifest = try? Manifest.parse(input.rest()) {
                fuzzCheck(
                    (Manifest.minimumBlocksize...Manifest.maximumBlocksize).contains(manifest.blocksize),
                    "manifest accepted blocksize \(manifest.blocksize)")
            }
        case .fileset:
            _ = try? Fileset.parse(input.rest())
        case .filelist:
            filelist(&input)
        case .indexVolumeList:
            if let list = try? IndexVolumeList.parse(input.rest()) {
                for block in list.blocks { fuzzCheck(block.size >= 0, "negative block size \(block.size)") }
            }
        case .entryMetadata:
            if let metadata = try? EntryMetadata.parse(input.rest()) {
                _ = (metadata.lastWriteTime?.unixSeconds, metadata.lastWriteTime?.nanoseconds)
                _ = (metadata.creationTime?.unixSeconds, metadata.creationTime?.nanoseconds)
            }
        case .volumeName:
            _ = VolumeName(String(decoding: input.rest(), as: UTF8.self))
        case .sourcePath:
            sourcePath(String(decoding: input.rest(), as: UTF8.self))
        case .blockHashName:
            blockHashName(&input)
        case .tarVolumeIndex:
            let tar = input.rest()
            if let index = try? TarVolumeIndex.parse(tar) {
                for entry in index.entries {
                    fuzzCheck(entry.offset >= 512 && entry.size >= 0 && entry.offset + entry.size <= tar.count,
                              "tar index entry \(entry.offset)+\(entry.size) outside \(tar.count) bytes")
                }
            }
        }
    }

    /// The streaming filelist reader, fed in chunks whose sizes come from a seed byte, must emit
    /// exactly what a one-piece parse gives.
    private static func filelist(_ input: inout FuzzInput) {
        var seed = UInt32(input.byte()) | 1
        let objectLimit = [16 << 20, 64, 1, 1024][Int(input.byte()) % 4]
        let document = input.rest()
        let reference = try? FilelistReader.parseAll(document)
        var reader = FilelistReader(maxObjectBytes: objectLimit)
        var entries: [FilelistEntry] = []
        var position = 0
        var failed = false
        do {
            while position < document.count {
                seed = seed &* 1_103_515_245 &+ 12_345
                let size = Int(seed >> 16) % 97  // 0 included: empty chunks must be harmless
                let end = min(document.count, position + size)
                try reader.consume(Array(document[position..<end])) { entries.append($0) }
                position = end
            }
            try reader.finish()
        } catch {
            failed = true
            // A failed reader stays failed.
            fuzzCheck((try? reader.finish()) == nil, "finish succeeds after an error")
        }
        if objectLimit == 16 << 20 {
            fuzzCheck(failed == (reference == nil), "chunked and whole filelist parses disagree on success")
            if let reference, !failed { fuzzCheck(entries == reference, "chunked and whole filelist parses disagree") }
        } else if !failed {
            fuzzCheck(reference != nil, "a smaller object limit accepts what the default refuses")
            if let reference { fuzzCheck(entries == reference, "a smaller object limit changed the entries") }
        }
        for entry in entries {
            fuzzCheck(entry.size >= 0 && entry.size <= FilelistEntry.maximumSize, "\(entry.path): size \(entry.size)")
            sourcePath(entry.path)
        }
        // With an unusable handler, in one piece: what a strict parse accepts comes out alike,
        // and every refused object is reported where its `{` is.
        var tolerant = FilelistReader(maxObjectBytes: objectLimit)
        var kept: [FilelistEntry] = []
        var refused: [FilelistReader.UnusableObject] = []
        let tolerated = (try? tolerant.consume(document, { kept.append($0) }, unusable: { refused.append($0) })) != nil
            && (try? tolerant.finish()) != nil
        if objectLimit == 16 << 20, let reference {
            fuzzCheck(tolerated && refused.isEmpty && kept == reference, "a tolerant parse differs from a strict one that succeeds")
        }
        for object in refused {
            fuzzCheck(document.indices.contains(object.offset) && document[object.offset] == UInt8(ascii: "{"),
                      "an unusable object's offset \(object.offset) is not its '{'")
        }
        for entry in kept {
            fuzzCheck(entry.size >= 0 && entry.size <= FilelistEntry.maximumSize, "\(entry.path): size \(entry.size)")
        }
    }

    /// A mapped path never escapes its version's root.
    private static func sourcePath(_ path: String) {
        _ = SourcePath.isFolder(path)
        _ = SourcePath.separator(of: path)
        guard let components = SourcePath.components(of: path) else { return }
        for name in components {
            fuzzCheck(!name.isEmpty && name != "." && name != "..", "\(path.debugDescription) maps to component \(name.debugDescription)")
            fuzzCheck(!name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0), "\(path.debugDescription): component \(name.debugDescription) holds / or NUL")
        }
    }

    /// Block names, base64 hashes, blocklists and timestamps round-trip.
    private static func blockHashName(_ input: inout FuzzInput) {
        let hashSize = Int(Int8(bitPattern: input.byte()))
        let payload = input.rest()
        let text = String(decoding: payload, as: UTF8.self)
        if let base64 = BlockHashName.base64(entryName: text) {
            fuzzCheck(BlockHashName.entryName(base64: base64) == text, "entry name \(text.debugDescription) does not round-trip")
        }
        if let raw = BlockHashName.raw(base64: text) {
            fuzzCheck(BlockHashName.base64(raw: raw) == text, "base64 \(text.debugDescription) does not round-trip")
        }
        if let hashes = try? BlockHashName.hashes(inBlocklist: payload, hashSize: hashSize) {
            fuzzCheck(hashes.count * hashSize == payload.count, "blocklist split into \(hashes.count) hashes")
            for hash in hashes { fuzzCheck(BlockHashName.raw(base64: hash)?.count == hashSize, "hash does not decode") }
        }
        if let seconds = SerializedDateTime.unixSeconds(from: text) {
            fuzzCheck(SerializedDateTime.string(unixSeconds: seconds) == text.uppercased(), "timestamp \(text) does not round-trip")
        }
        if let ticks = DotNetTicks(decimal: text) {
            _ = (ticks.unixSeconds, ticks.nanoseconds)
        }
    }
}
