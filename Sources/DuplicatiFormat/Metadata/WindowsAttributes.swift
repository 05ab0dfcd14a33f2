/// The .NET `FileAttributes` flags a Windows backup stores in `CoreAttributes` (§9), as names
/// (`ReadOnly, Archive`, as `Enum.ToString()` writes them) or as a decimal number.
package struct WindowsAttributes: OptionSet, Sendable, Hashable {
    package let rawValue: UInt32

    package init(rawValue: UInt32) { self.rawValue = rawValue }

    package static let readOnly = WindowsAttributes(rawValue: 0x1)
    package static let hidden = WindowsAttributes(rawValue: 0x2)
    package static let system = WindowsAttributes(rawValue: 0x4)
    package static let directory = WindowsAttributes(rawValue: 0x10)
    package static let archive = WindowsAttributes(rawValue: 0x20)
    package static let reparsePoint = WindowsAttributes(rawValue: 0x400)

    /// Every flag name .NET defines, with its value.
    static let names: [String: UInt32] = [
        "readonly": 0x1, "hidden": 0x2, "system": 0x4, "directory": 0x10, "archive": 0x20, "device": 0x40,
        "normal": 0x80, "temporary": 0x100, "sparsefile": 0x200, "reparsepoint": 0x400, "compressed": 0x800,
        "offline": 0x1000, "notcontentindexed": 0x2000, "encrypted": 0x4000, "integritystream": 0x8000,
        "noscrubdata": 0x20000,
    ]

    /// Parses `CoreAttributes`.
    /// - Parameter text: names separated by `,` (any case, spaces around them ignored) or one
    ///   decimal number.
    /// - Returns: nil when the text is neither (an unknown name makes the whole value unknown).
    package init?(text: String) {
        let trimmed = text.filter { $0 != " " }
        if let number = UInt32(trimmed) {
            self.init(rawValue: number)
            return
        }
        var value: UInt32 = 0
        for name in trimmed.split(separator: ",") {
            guard let flag = Self.names[name.lowercased()] else { return nil }
            value |= flag
        }
        guard !trimmed.isEmpty else { return nil }
        self.init(rawValue: value)
    }

    /// The POSIX permission bits for an entry backed up without any (from Windows): what
    /// Windows enforces of these flags. `ReadOnly` on a file removes every write bit (0444);
    /// Windows ignores it on folders (Explorer uses it to mark customized folders), so folders
    /// stay 0755. Hidden, System, Archive and the rest have no POSIX meaning (a hidden name is
    /// a matter of its first character on Linux) and change nothing; the raw value stays visible.
    /// - Parameters:
    ///   - folder: whether the entry is a folder.
    ///   - symlink: whether the entry is a symlink (0777, like every symlink on Linux).
    /// - Returns: permission bits without the file-type bits.
    package func permissions(folder: Bool, symlink: Bool) -> UInt32 {
        if symlink { return 0o777 }
        if folder { return 0o755 }
        return contains(.readOnly) ? 0o444 : 0o644
    }
}
