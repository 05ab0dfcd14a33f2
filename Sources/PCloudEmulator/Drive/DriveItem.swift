import Foundation

/// A folder of the emulated drive.
package struct DriveFolder: Sendable {
    /// The folder id; 0 is the root.
    package var id: UInt64
    /// The containing folder; `nil` for the root.
    package var parent: UInt64?
    /// The name (`/` for the root).
    package var name: String
    /// When the folder was created.
    package var created: Date
    /// When the folder was last modified.
    package var modified: Date
    /// Children by exact name.
    var children: [String: DriveItemID] = [:]
    /// Set when the folder sits in the trash.
    package var isDeleted = false
}

/// A file of the emulated drive.
package struct DriveFile: Sendable {
    /// The file id.
    package var id: UInt64
    /// The containing folder.
    package var parent: UInt64
    /// The name.
    package var name: String
    /// The length in bytes.
    package var size: Int64
    /// When the file was created (upload `ctime` sets it).
    package var created: Date
    /// When the file was last modified (upload `mtime` sets it).
    package var modified: Date
    /// The MIME type given at upload, or guessed from the extension.
    package var contentType: String
    /// Bumped on every overwrite, so `hash` and cached checksums follow the content.
    package var version: UInt64 = 0
    /// Digests, once computed.
    package var checksums: FileChecksums?
    /// Set when the file sits in the trash.
    package var isDeleted = false

    /// pCloud's 64-bit content hash: stable for a given id, version, size and mtime.
    ///
    /// Derived from metadata rather than the bytes so listing a large drive stays cheap;
    /// every upload bumps `version`, so a content change always changes it.
    package var hash: UInt64 {
        var bytes = [UInt8]()
        for value in [id, version, UInt64(bitPattern: size), UInt64(bitPattern: Int64(modified.timeIntervalSince1970))] {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        let digest = FileChecksums.sha256(of: bytes)
        var result: UInt64 = 0
        for byte in digest.prefix(8) { result = result << 8 | UInt64(byte) }
        return result
    }
}

/// A reference to a drive entry.
package enum DriveItemID: Sendable, Hashable {
    /// A folder by id.
    case folder(UInt64)
    /// A file by id.
    case file(UInt64)
}

/// A folder with its (possibly nested) contents, as `listfolder` returns it.
package struct FolderListing: Sendable {
    /// The listed folder.
    package var folder: DriveFolder
    /// Its path from the root, for the optional `path` field.
    package var path: String
    /// Subfolders (with their own contents when recursive) and files, sorted by name.
    package var contents: [ListingEntry]
}

/// One entry of a ``FolderListing``.
package enum ListingEntry: Sendable {
    /// A subfolder; `listing` is set only for recursive listings.
    case folder(DriveFolder, path: String, listing: FolderListing?)
    /// A file.
    case file(DriveFile, path: String)
}
