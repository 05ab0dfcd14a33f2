/// A dblock being filled: its zip entries, the blocks it holds (for the dindex `vol/` entry)
/// and the blocklists new in it (for `list/`).
struct BlockVolumeBuilder {
    /// The remote file name, e.g. `duplicati-b<32 hex>.dblock.zip.aes`.
    let name: String
    /// The zip being written; the manifest is already in it.
    var zip: ZipBuilder
    /// Every block in the volume, in write order: hash and size.
    private(set) var blocks: [(hash: [UInt8], size: Int)] = []
    /// Blocklist blocks in the volume: hash and bytes.
    private(set) var blocklists: [(hash: [UInt8], bytes: [UInt8])] = []
    /// Roughly the zip's size so far: block bytes plus per-entry header overhead.
    private(set) var approximateSize = 0

    /// Starts a volume with its manifest.
    init(name: String, manifest: [UInt8], options: FixtureOptions) {
        self.name = name
        zip = ZipBuilder(options: options)
        zip.add("manifest", manifest)
        approximateSize = manifest.count + 2 * 50
    }

    /// True until a block has been added.
    var isEmpty: Bool { blocks.isEmpty }

    /// Adds one block as entry `b64url(hash)`.
    mutating func add(hash: [UInt8], bytes: [UInt8], kind: BlockKind) {
        let entryName = Base64Text.url(hash)
        let stored: Bool
        switch kind {
        case .data(let noncompressible): stored = noncompressible
        case .metadata: stored = false
        case .blocklist:
            stored = true
            blocklists.append((hash, bytes))
        }
        zip.add(entryName, bytes, stored: stored)
        blocks.append((hash, bytes.count))
        // local header (30) + central header (46) + the name twice
        approximateSize += bytes.count + 76 + 2 * entryName.utf8.count
    }
}

/// What a block is, which decides its zip method (§4.1).
enum BlockKind {
    /// File content; `stored` when the file's extension is in `storedExtensions`.
    case data(stored: Bool)
    /// A metadata blob block (deflate).
    case metadata
    /// A blocklist block (stored).
    case blocklist
}
