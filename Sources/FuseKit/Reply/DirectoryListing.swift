internal import CFuse

/// Packs directory entries into the buffer a `readdir`/`readdirplus` reply carries, with
/// `fuse_add_direntry`/`fuse_add_direntry_plus`, up to the size the kernel asked for.
struct DirectoryListing {
    /// The most bytes one listing reply may hold, whatever the kernel asks (bounds the allocation).
    static let maximumSize = 1 << 20

    /// The smallest packed entry: `struct fuse_dirent` (24 bytes) with a name of 1–8 bytes,
    /// padded to 8; `readdirplus` adds `struct fuse_entry_out` (128 bytes).
    static let smallestEntry = 32
    static let smallestPlusEntry = 160

    /// The most entries a buffer of `size` bytes can hold (at least 1).
    static func mostEntries(fitting size: Int, plus: Bool) -> Int {
        max(1, size / (plus ? smallestPlusEntry : smallestEntry))
    }

    /// The packed bytes.
    private(set) var bytes: [UInt8]
    /// Bytes used so far.
    private(set) var used = 0
    /// Entries skipped because their names can't be sent (empty, `/`, NUL).
    private(set) var rejectedNames = 0

    /// Creates an empty listing buffer.
    /// - Parameter capacity: The size the kernel asked for (clamped to ``maximumSize``).
    init(capacity: Int) {
        bytes = [UInt8](repeating: 0, count: max(0, min(capacity, Self.maximumSize)))
    }

    /// Adds one entry if it fits.
    /// - Parameters:
    ///   - entry: The entry.
    ///   - nextOffset: The cookie the kernel sends to resume after this entry.
    ///   - plus: Whether to add attributes (`fuse_add_direntry_plus`).
    ///   - timeout: Entry and attribute cache lifetime for `plus`.
    ///   - request: The request being answered (libfuse's signature wants it).
    /// - Returns: `false` if the entry did not fit: the listing is full and the caller stops.
    mutating func add(_ entry: DirectoryEntry, nextOffset: Int64, plus: Bool, timeout: Double, request: Request) -> Bool {
        let name = entry.name
        if name.isEmpty || name.contains(0) || name.contains(UInt8(ascii: "/")) {
            rejectedNames += 1
            return true
        }
        let terminated = name + [0]
        let offset = used
        let remaining = bytes.count - offset
        let needed: Int = terminated.withUnsafeBytes { nameBuffer in
            let cName = nameBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
            return bytes.withUnsafeMutableBytes { buffer in
                let destination = buffer.baseAddress.map { $0.advanced(by: offset).assumingMemoryBound(to: CChar.self) }
                if plus {
                    var parameters = fuse_entry_param(
                        EntryReply(attributes: entry.attributes, attributeTimeout: timeout, entryTimeout: timeout))
                    if !entry.attributesKnown {
                        // Node id 0: the kernel lists the name and caches nothing for it.
                        parameters.ino = 0
                        parameters.attr_timeout = 0
                        parameters.entry_timeout = 0
                    }
                    return fuse_add_direntry_plus(request.raw, destination, remaining, cName, &parameters, off_t(clamping: nextOffset))
                } else {
                    var status = entry.attributes.cStat
                    return fuse_add_direntry(request.raw, destination, remaining, cName, &status, off_t(clamping: nextOffset))
                }
            }
        }
        // When the entry does not fit, libfuse writes nothing and returns the size it would need.
        guard needed <= remaining else { return false }
        used += needed
        return true
    }

    /// The packed entries, exactly the bytes used.
    var packed: [UInt8] { Array(bytes[0..<used]) }

    /// Whether `name` is `.` or `..`, which take no lookup reference in `readdirplus`.
    static func isDotOrDotDot(_ name: [UInt8]) -> Bool {
        name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")]
    }
}
