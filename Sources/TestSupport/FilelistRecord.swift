/// One `filelist.json` object, members in the exact order Duplicati writes them (§6.2).
enum FilelistRecord {
    /// The JSON object text for an entry.
    /// - Parameters:
    ///   - entry: the item.
    ///   - metadata: how its metadata blob was stored.
    ///   - content: how its content was stored (files only).
    static func json(entry: FixtureEntry, metadata: StoredStream, content: StoredStream?) -> String {
        var json = JSONText()
        switch entry.content {
        case .folder: json.add("type", "Folder")
        case .file: json.add("type", "File")
        case .symlink: json.add("type", "Symlink")
        }
        json.add("path", entry.storedPath)
        if let content {
            json.add("hash", Base64Text.standard(content.hash))
            json.add("size", content.size)
            json.add("time", CompactTimestamp.format(seconds: entry.mtimeSeconds))
        }
        json.add("metahash", Base64Text.standard(metadata.hash))
        json.add("metasize", metadata.size)
        if !metadata.blocklistHashes.isEmpty {
            json.add("metablocklists", metadata.blocklistHashes.map(Base64Text.standard))
        } else if let block = metadata.singleBlockHash, block != metadata.hash {
            json.add("metablockhash", Base64Text.standard(block))
        }
        if let content {
            if !content.blocklistHashes.isEmpty {
                json.add("blocklists", content.blocklistHashes.map(Base64Text.standard))
            } else if let block = content.singleBlockHash, block != content.hash {
                json.add("blockhash", Base64Text.standard(block))
                json.add("blocksize", content.size)
            }
        }
        return json.text
    }
}
