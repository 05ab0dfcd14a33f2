/// The metadata blob Duplicati stores for each file, folder and symlink: a UTF-8 BOM and a
/// compact JSON object of string values, in Duplicati's key order (`unix-ext:` extended
/// attributes, `unix:` owner and mode, then the `Core` keys).
enum MetadataBlob {
    /// Builds the blob for an entry.
    /// - Parameter entry: the item.
    /// - Returns: BOM + JSON bytes.
    static func bytes(for entry: FixtureEntry) -> [UInt8] {
        var json = JSONText()
        if !entry.windows {
            // `SystemIOLinux.GetMetadata`: the attributes first, each value base64.
            for (name, value) in entry.extendedAttributes {
                json.add("unix-ext:" + name, Base64Text.standard(value))
            }
            json.add("unix:uid-gid-perm", "\(entry.uid)-\(entry.gid)-\(entry.mode & 0o7777)")
            if let owner = entry.ownerName { json.add("unix:owner-name", owner) }
            if let group = entry.groupName { json.add("unix:group-name", group) }
        }
        json.add("CoreAttributes", attributes(for: entry))
        let ticks = String(entry.mtimeTicks)
        json.add("CoreLastWritetime", ticks)
        json.add("CoreCreatetime", ticks)
        if let target = entry.symlinkTarget {
            json.add("CoreSymlinkTarget", target)
        }
        return JSONText.bytes(json.text, bom: true)
    }

    /// The .NET `FileAttributes` names the entry would report, flags in ascending value order
    /// as `Enum.ToString()` lists them.
    static func attributes(for entry: FixtureEntry) -> String {
        var names: [String] = []
        if entry.mode & 0o200 == 0 { names.append("ReadOnly") }
        let separator = entry.separator
        let name = entry.path.split(separator: separator).last.map(String.init) ?? ""
        if name.hasPrefix(".") { names.append("Hidden") }
        switch entry.content {
        case .folder: names.append("Directory")
        case .file: if entry.windows { names.append("Archive") }
        case .symlink: names.append("ReparsePoint")
        }
        return names.isEmpty ? "Normal" : names.joined(separator: ", ")
    }
}
