/// Which volumes a restore needs, from what the writer knows about where each block went.
extension FixtureBackupWriter {
    /// The dblocks a restore of `entries` reads: those holding their data blocks, their
    /// blocklists and their metadata blocks (what Duplicati downloads to restore them).
    /// - Parameter entries: entries of a version already written by this writer.
    /// - Returns: dblock file names; a block this writer never stored is skipped.
    package func dblockNames(neededBy entries: [FixtureEntry]) -> Set<String> {
        var names = Set<String>()
        func add(_ bytes: [UInt8]) {
            let hashes = blockHashes(of: bytes)
            for hash in hashes {
                if let name = blockLocations[hash] { names.insert(name) }
            }
            guard hashes.count > 1 else { return }
            let perList = options.hashesPerBlocklist
            for start in stride(from: 0, to: hashes.count, by: perList) {
                let list = hashes[start..<min(start + perList, hashes.count)].flatMap { $0 }
                if let name = blockLocations[options.blockHash.digest(list)] { names.insert(name) }
            }
        }
        let metadataLimit = options.hashesPerBlocklist * options.blocksize
        for entry in entries {
            let blob = MetadataBlob.bytes(for: entry)
            add(blob.count > metadataLimit ? JSONText.bytes("{}", bom: true) : blob)
            if let bytes = entry.fileBytes { add(bytes) }
        }
        return names
    }
}
