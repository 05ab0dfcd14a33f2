/// Why writing or materializing a fixture failed.
package enum FixtureError: Error, Sendable, Equatable {
    /// The options can't produce a valid backup (e.g. blocksize smaller than a hash).
    case invalidOptions(String)
    /// A path is empty, relative, or has `.`/`..` segments, so it can't be placed on disk.
    case unsafePath(String)
    /// A system call failed on `path`.
    case io(path: String, operation: String, errno: Int32)
    /// A named volume doesn't exist in the backup folder.
    case noSuchVolume(String)
}
