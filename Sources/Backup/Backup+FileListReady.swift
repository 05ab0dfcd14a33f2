import Catalog

extension Backup {
    /// Makes sure a version's file list is in the index before its entries are used.
    ///
    /// Every version's file list is read when the backup is opened (or by the background
    /// indexing of a mount, before the version appears), so there is nothing to do yet:
    /// replaced by H's lazy file lists, which read a version's dlist the first time it is opened.
    /// - Parameter version: the version whose entries are about to be read.
    /// - Throws: whatever reading the file list throws (nothing here).
    package func requireFileList(of version: VersionRecord) throws {}
}
