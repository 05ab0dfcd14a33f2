/// One item of a source tree, as a backup stores it.
///
/// The same value describes what goes into a fixture backup and what a correct restore must
/// produce, so tests compare a reader's output against the entries they wrote.
package struct FixtureEntry: Sendable {
    /// What the item is.
    package enum Content: Sendable {
        /// A directory.
        case folder
        /// A regular file with these bytes.
        case file([UInt8])
        /// A symbolic link; `target` is stored verbatim in `CoreSymlinkTarget`.
        case symlink(target: String)
    }

    /// The path as stored, without a trailing separator: `"/data/a.txt"`, `"/data/dir"`,
    /// `"C:\\Users\\ann\\x.txt"`, `"\\\\srv\\share\\f"`. Folders get the separator appended
    /// in `filelist.json`.
    package var path: String
    /// Folder, file bytes or symlink target.
    package var content: Content
    /// Permission bits, e.g. `0o644` or `0o4755`. Only `mode & 0o7777` reaches the metadata.
    package var mode: UInt32
    /// Owner id.
    package var uid: UInt32
    /// Group id.
    package var gid: UInt32
    /// Owner name (`unix:owner-name`), omitted when nil.
    package var ownerName: String?
    /// Group name (`unix:group-name`), omitted when nil.
    package var groupName: String?
    /// Modification time, whole seconds since 1970-01-01T00:00:00Z (may be negative).
    package var mtimeSeconds: Int64
    /// Sub-second part of the modification time, `0 ..< 1_000_000_000`. Stored as .NET ticks
    /// (100 ns), so anything below 100 ns is lost: tests should use multiples of 100.
    package var mtimeNanoseconds: Int32
    /// Windows-style metadata: only `CoreAttributes`/`CoreLastWritetime`/`CoreCreatetime`,
    /// no `unix:` keys.
    package var windows: Bool
    /// Extended attributes (name with namespace, value), written as `unix-ext:` keys in this
    /// order; ignored for Windows-style entries. Linux refuses `user.*` attributes on symlinks.
    package var extendedAttributes: [(name: String, value: [UInt8])]

    /// Creates an entry.
    /// - Parameters:
    ///   - path: the stored path, without a trailing separator.
    ///   - content: folder, file bytes or symlink target.
    ///   - mode: permission bits; nil means 0o755 for folders, 0o644 for files, 0o777 for symlinks.
    ///   - uid: owner id.
    ///   - gid: group id.
    ///   - ownerName: owner name, or nil to leave it out.
    ///   - groupName: group name, or nil to leave it out.
    ///   - mtimeSeconds: whole seconds since the Unix epoch.
    ///   - mtimeNanoseconds: the sub-second part; use multiples of 100.
    ///   - windows: write Windows-style metadata.
    ///   - extendedAttributes: extended attributes, in order.
    package init(
        path: String, content: Content, mode: UInt32? = nil, uid: UInt32 = 1000, gid: UInt32 = 1000,
        ownerName: String? = nil, groupName: String? = nil,
        mtimeSeconds: Int64 = 1_700_000_000, mtimeNanoseconds: Int32 = 0, windows: Bool = false,
        extendedAttributes: [(name: String, value: [UInt8])] = []
    ) {
        self.path = path
        self.content = content
        switch content {
        case .folder: self.mode = mode ?? 0o755
        case .file: self.mode = mode ?? 0o644
        case .symlink: self.mode = mode ?? 0o777
        }
        self.uid = uid
        self.gid = gid
        self.ownerName = ownerName
        self.groupName = groupName
        self.mtimeSeconds = mtimeSeconds
        self.mtimeNanoseconds = mtimeNanoseconds
        self.windows = windows
        self.extendedAttributes = extendedAttributes
    }

    /// The directory separator of this path's style: `/` for paths starting with `/`,
    /// otherwise `\` (Duplicati's `GuessDirSeparator`).
    package var separator: Character {
        path.hasPrefix("/") ? "/" : "\\"
    }

    /// The path as `filelist.json` stores it: folders end with the separator.
    package var storedPath: String {
        if case .folder = content, !path.hasSuffix(String(separator)) {
            return path + String(separator)
        }
        return path
    }

    /// The file bytes, or nil for folders and symlinks.
    package var fileBytes: [UInt8]? {
        if case .file(let bytes) = content { return bytes }
        return nil
    }

    /// The symlink target, or nil for files and folders.
    package var symlinkTarget: String? {
        if case .symlink(let target) = content { return target }
        return nil
    }

    /// True for folders.
    package var isFolder: Bool {
        if case .folder = content { return true }
        return false
    }

    /// The modification time in .NET ticks (100 ns since 0001-01-01T00:00:00Z), as
    /// `CoreLastWritetime` stores it.
    package var mtimeTicks: Int64 {
        DotNetTicks.ticks(seconds: mtimeSeconds, nanoseconds: mtimeNanoseconds)
    }
}
