/// What a `filelist.json` entry describes (`FilelistEntryType`).
///
/// `AlternateStream` entries are skipped by `FilelistReader`: no Duplicati version writes them,
/// and showing one as a file would put a second object at its host file's path.
package enum EntryKind: String, Sendable {
    /// A regular file with content.
    case file
    /// A folder; its path ends with the separator.
    case folder
    /// A symbolic link; its target is in the metadata (`CoreSymlinkTarget`).
    case symlink
}
