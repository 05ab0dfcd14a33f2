import Foundation

/// One file in a backup's remote folder, as a listing reports it.
package struct RemoteFile: Sendable, Hashable {
    /// The file name, without any folder.
    package let name: String
    /// The size in bytes.
    package let size: Int64
    /// The last modification time, when the store reports one.
    package let modified: Date?

    /// - Parameters:
    ///   - name: the file name.
    ///   - size: the size in bytes.
    ///   - modified: the modification time, if known.
    package init(name: String, size: Int64, modified: Date? = nil) {
        self.name = name
        self.size = size
        self.modified = modified
    }
}
