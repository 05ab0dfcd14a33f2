/// One object of a dlist's `filelist.json` (§6.2).
///
/// Hashes are standard base64 as stored. For folders and symlinks the content fields
/// (`hash`, `size`, `time`, `blocklists`, `blockhash`, `blocksize`) are always empty, whatever
/// the object held. Nothing is reconciled: if a hostile object carries both `blocklists` and
/// `blockhash`, both are kept and the reconstruction decides (§7.2 prefers `blocklists`).
package struct FilelistEntry: Sendable, Equatable {
    /// The largest `size`, `metasize` or `blocksize` believed: 1 EiB, beyond any file a file
    /// system holds, and far enough below `Int64.max` that sums and rounding to whole blocks of
    /// any accepted value cannot overflow. A larger value makes its entry unusable.
    package static let maximumSize: Int64 = 1 << 60

    /// File, folder or symlink.
    package var kind: EntryKind
    /// The full source path exactly as stored (not normalised; folders end with a separator).
    package var path: String
    /// FileHash of the whole content (files only).
    package var hash: String?
    /// Content length in bytes, ≥ 0; 0 for folders and symlinks.
    package var size: Int64
    /// Last-write time `yyyyMMddTHHmmssZ` as stored (files only; metadata has full precision).
    package var time: String?
    /// FileHash of the metadata blob.
    package var metahash: String?
    /// Length of the metadata blob, ≥ 0.
    package var metasize: Int64?
    /// Blocklist hashes of the metadata blob when it has more than one block.
    package var metablocklists: [String]
    /// Hash of the single metadata block when it differs from `metahash`.
    package var metablockhash: String?
    /// Blocklist hashes, in order, when the content has more than one block.
    package var blocklists: [String]
    /// Hash of the single content block when it differs from `hash`.
    package var blockhash: String?
    /// Size of that single block (written together with `blockhash`), ≥ 0.
    package var blocksize: Int64?

    /// Creates an entry; every field but `kind` and `path` defaults to empty.
    package init(
        kind: EntryKind, path: String, hash: String? = nil, size: Int64 = 0, time: String? = nil,
        metahash: String? = nil, metasize: Int64? = nil, metablocklists: [String] = [],
        metablockhash: String? = nil, blocklists: [String] = [], blockhash: String? = nil,
        blocksize: Int64? = nil
    ) {
        self.kind = kind
        self.path = path
        self.hash = hash
        self.size = size
        self.time = time
        self.metahash = metahash
        self.metasize = metasize
        self.metablocklists = metablocklists
        self.metablockhash = metablockhash
        self.blocklists = blocklists
        self.blockhash = blockhash
        self.blocksize = blocksize
    }
}
