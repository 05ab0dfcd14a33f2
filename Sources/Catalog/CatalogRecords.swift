/// What a catalog row describes.
package enum EntryKindCode: Int64, Sendable {
    case folder = 0, file = 1, symlink = 2
}

/// A remote file the catalog knows.
package struct VolumeRecord: Sendable, Hashable {
    package enum State: Int64, Sendable {
        /// Listed but not read yet.
        case pending = 0
        /// Fully read into the index.
        case indexed = 1
        /// Could not be read (damaged, wrong format); read again by the next run (or on demand).
        case failed = 2
    }
    package let id: Int64
    package let name: String
    /// `dlist`, `dblock` or `dindex`.
    package let kind: String
    package let size: Int64
    package let state: State
}

/// One backup version.
package struct VersionRecord: Sendable, Hashable {
    /// The catalog's own key (stable while the dlist exists).
    package let id: Int64
    /// The dlist volume it was read from.
    package let volumeID: Int64
    /// The dlist name.
    package let volumeName: String
    /// Backup time, Unix seconds (UTC).
    package let time: Int64
    /// False for a partial backup.
    package let isFullBackup: Bool
    package let fileCount: Int64
    package let totalSize: Int64
    /// Entries of its file list left out of the tree (unreadable, unusable path, too deep, a
    /// duplicate, under a non-folder); see ``Catalog/skippedEntries(version:under:examples:)``.
    package let skippedCount: Int64
    /// Why its file list could not be read to the end (the tree holds what came before), or
    /// could not be read at all (the tree is empty); nil when it was read whole.
    package let damage: String?
    /// Whether its file list was read into the index (by this run or an earlier one). A version
    /// known only from its dlist's name has no tree, counts or damage yet: only its time is
    /// known, and ``isFullBackup`` is a guess until then.
    package var fileListRead: Bool = true
}

/// An entry of a file list that is not in its version's tree.
package struct SkippedEntry: Sendable, Hashable {
    /// The path as stored (as far as it could be read).
    package let path: String
    /// Where it would have been under the version, `/`-separated from the root (`/data/x`); nil
    /// when its path says nothing usable about that.
    package let location: String?
    /// Why it was left out.
    package let reason: String

    /// Creates a record of a left-out entry.
    /// - Parameters:
    ///   - path: the stored path.
    ///   - location: its place under the version, or nil.
    ///   - reason: why it was left out.
    package init(path: String, location: String?, reason: String) {
        self.path = path
        self.location = location
        self.reason = reason
    }
}

/// One item of a version's tree.
package struct EntryRecord: Sendable, Hashable {
    package let version: Int64
    /// Unique within the version; 0 is the version's root.
    package let id: Int64
    package let parent: Int64
    package let name: String
    package let kind: EntryKindCode
    package let size: Int64
    /// File hash, base64.
    package let hash: String?
    /// Blocklist hashes in order (multi-block files).
    package let blocklists: [String]
    /// The single block's hash when it differs from `hash`.
    package let blockhash: String?
    package let metahash: String?
    package let metasize: Int64?
    package let metablocklists: [String]
    package let metablockhash: String?
    /// The path as stored in the backup (empty for synthesized folders).
    package let storedPath: String
    /// Whether the backup listed this folder itself (false: synthesized ancestor).
    package let listed: Bool
    /// Last-write time in whole seconds from the file list, when given.
    package let listTime: Int64?

    package init(
        version: Int64, id: Int64, parent: Int64, name: String, kind: EntryKindCode, size: Int64,
        hash: String?, blocklists: [String], blockhash: String?, metahash: String?, metasize: Int64?,
        metablocklists: [String], metablockhash: String?, storedPath: String, listed: Bool, listTime: Int64?
    ) {
        self.version = version; self.id = id; self.parent = parent; self.name = name; self.kind = kind
        self.size = size; self.hash = hash; self.blocklists = blocklists; self.blockhash = blockhash
        self.metahash = metahash; self.metasize = metasize; self.metablocklists = metablocklists
        self.metablockhash = metablockhash; self.storedPath = storedPath; self.listed = listed
        self.listTime = listTime
    }
}

/// Attributes decoded from a metadata blob, cached by its hash.
package struct MetadataRecord: Sendable, Hashable {
    package var mode: UInt32?
    package var uid: UInt32?
    package var gid: UInt32?
    package var mtimeSeconds: Int64?
    package var mtimeNanoseconds: Int32?
    package var ownerName: String?
    package var groupName: String?
    package var symlinkTarget: String?
    /// How many extended attributes the blob holds (0: none, known without another query).
    package var extendedAttributeCount: Int
    /// The Windows attributes as stored (`CoreAttributes`, e.g. `ReadOnly, Archive`), kept only
    /// for entries backed up without POSIX metadata (from Windows).
    package var windowsAttributes: String?

    package init(
        mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil, mtimeSeconds: Int64? = nil,
        mtimeNanoseconds: Int32? = nil, ownerName: String? = nil, groupName: String? = nil,
        symlinkTarget: String? = nil, extendedAttributeCount: Int = 0, windowsAttributes: String? = nil
    ) {
        self.mode = mode; self.uid = uid; self.gid = gid; self.mtimeSeconds = mtimeSeconds
        self.mtimeNanoseconds = mtimeNanoseconds; self.ownerName = ownerName; self.groupName = groupName
        self.symlinkTarget = symlinkTarget; self.extendedAttributeCount = extendedAttributeCount
        self.windowsAttributes = windowsAttributes
    }
}

/// One extended attribute of a metadata blob, as the index keeps it.
package struct ExtendedAttributeRecord: Sendable, Hashable {
    /// The name with its namespace (`user.comment`).
    package let name: String
    /// The value (may be empty).
    package let value: [UInt8]

    package init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// Where a block can be found.
package struct BlockLocation: Sendable, Hashable {
    package let volumeID: Int64
    package let volumeName: String
    package let size: Int64
    /// True when read from the dblock's own zip directory, false when only a dindex said so.
    package let fromDirectory: Bool
    /// A dindex said so, and a later read of the dblock's directory did not list it: a last
    /// resort (that read may have been damaged on the way, and a lost location is lost for good).
    package var doubted = false
}

/// Where a block's zip record lies inside one dblock, as its zip directory said: enough to read
/// and check the record without reading the directory again.
package struct BlockPlacement: Sendable, Hashable {
    /// The block hash, base64 (the entry name is derived from it).
    package let hash: String
    /// The file offset of the record's local header (in the plaintext of an encrypted volume).
    package let offset: Int64
    /// Where the record ends: the next record's local header, or the central directory.
    package let end: Int64
    /// Stored (compressed) bytes.
    package let compressedSize: Int64
    /// Bytes once decoded.
    package let uncompressedSize: Int64
    /// The zip compression method.
    package let method: UInt16
    /// The zip general purpose flags.
    package let flags: UInt16
    /// The CRC-32 of the decoded bytes.
    package let crc32: UInt32

    package init(
        hash: String, offset: Int64, end: Int64, compressedSize: Int64, uncompressedSize: Int64,
        method: UInt16, flags: UInt16, crc32: UInt32
    ) {
        self.hash = hash; self.offset = offset; self.end = end; self.compressedSize = compressedSize
        self.uncompressedSize = uncompressedSize; self.method = method; self.flags = flags; self.crc32 = crc32
    }
}
