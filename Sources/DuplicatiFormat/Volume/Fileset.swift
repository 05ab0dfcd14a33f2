/// The dlist `fileset` entry (§6.1): whether the version is a complete backup.
package struct Fileset: Sendable {
    /// False for a backup stopped early or a synthetic list after an interrupted run.
    package let isFullBackup: Bool

    /// - Parameter isFullBackup: the flag.
    package init(isFullBackup: Bool) {
        self.isFullBackup = isFullBackup
    }

    /// The value for a dlist without a `fileset` entry (written before 2.0.4.30): full.
    package static let missingEntry = Fileset(isFullBackup: true)

    /// Parses a `fileset` entry. `IsFullBackup` matches case-insensitively; when absent the
    /// backup counts as full, as in `VolumeBase.FilesetData`.
    /// - Parameter bytes: the entry's content; a UTF-8 BOM is allowed.
    /// - Returns: the flag.
    /// - Throws: `malformedJSON` unless it is one JSON object; `invalidValue` if the flag is
    ///   not a boolean.
    package static func parse(_ bytes: [UInt8]) throws(DuplicatiFormatError) -> Fileset {
        var parser = JSONParser(bytes)
        var isFullBackup = true
        var object = try parser.beginObject()
        while let key = try parser.nextKey(&object) {
            if key.lowercased() == "isfullbackup" {
                guard try parser.peekKind() == .bool else { throw .invalidValue("IsFullBackup") }
                isFullBackup = try parser.readBool()
            } else {
                try parser.skipValue()
            }
        }
        try parser.expectEnd()
        return Fileset(isFullBackup: isFullBackup)
    }
}
