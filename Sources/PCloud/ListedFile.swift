import Foundation

/// A file as `listfolder` reports it.
package struct ListedFile: Sendable, Equatable {
    /// The name.
    package let name: String
    /// pCloud's file id.
    package let fileID: UInt64
    /// The size in bytes.
    package let size: Int64
    /// The modification time, when parseable.
    package let modified: Date?
}
