import ByteSource

/// A place that holds a backup's remote files: a local folder, a pCloud folder, ...
///
/// Implementations are thread-safe; every call may block on I/O.
package protocol BackendStore: Sendable {
    /// The location as a user would write it, with every secret removed.
    var displayName: String { get }

    /// A stable string naming this backup location, used to key the local index. Two different
    /// locations never share one; it holds no secret.
    var identity: String { get }

    /// Lists the files of the remote folder.
    /// - Returns: every file (not folders) directly in the folder.
    /// - Throws: ``StorageError``.
    func list() throws -> [RemoteFile]

    /// Opens a file for ranged reads.
    /// - Parameter file: a file from ``list()``.
    /// - Returns: a source whose size is the file's size.
    /// - Throws: ``StorageError``.
    func open(_ file: RemoteFile) throws -> any ByteSource

    /// Opens a file for ranged reads that bypass any local cache, neither served from it nor
    /// stored in it: for reads that check the storage's bytes against an earlier read.
    /// - Parameter file: a file from ``list()``.
    /// - Returns: a source whose size is the file's size.
    /// - Throws: ``StorageError``.
    func openUncached(_ file: RemoteFile) throws -> any ByteSource

    /// Drops any locally cached copy of a file, after its bytes failed a check, so that the next
    /// read fetches it again. Stores that cache nothing do nothing.
    /// - Parameter name: the file name.
    func discardCachedData(of name: String)
}
