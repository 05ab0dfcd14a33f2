/// How an entry's path was written in its file list, stored without repeating the path: the
/// index keeps each (parent, name) once, and most stored paths are exactly what their names
/// give (`/data/x`, `/data/dir/`, `C:\Users\ann\`). Only a path written some other way (`//x`,
/// a UNC share) keeps its full text.
enum Spelling {
    /// The spelling column for a stored path: nil when it is the POSIX form of its components,
    /// `\` when it is the Windows drive form, else the stored path itself.
    static func code(_ storedPath: String, components: [String], isFolder: Bool) -> String? {
        if storedPath == posix(components, isFolder: isFolder) { return nil }
        if let windows = windows(components, isFolder: isFolder), storedPath == windows { return "\\" }
        return storedPath
    }

    /// The stored path back from its spelling column.
    /// - Parameters:
    ///   - code: the column.
    ///   - components: the entry's names from the root.
    ///   - isFolder: whether the entry is a folder.
    ///   - listed: false for a synthesized folder, whose stored path is empty.
    static func storedPath(_ code: String?, components: @autoclosure () -> [String], isFolder: Bool, listed: Bool) -> String {
        guard listed else { return "" }
        switch code {
        case nil: return posix(components(), isFolder: isFolder)
        case "\\": return windows(components(), isFolder: isFolder) ?? ""
        case let text?: return text
        }
    }

    /// `/a/b` for a file, `/a/b/` for a folder, `/` for the root.
    private static func posix(_ components: [String], isFolder: Bool) -> String {
        guard !components.isEmpty else { return "/" }
        return "/" + components.joined(separator: "/") + (isFolder ? "/" : "")
    }

    /// `C:\a\b` for a file, `C:\a\b\` or `C:\` for a folder; nil when the first name is not a
    /// drive letter.
    private static func windows(_ components: [String], isFolder: Bool) -> String? {
        guard let drive = components.first, drive.utf8.count == 1, let letter = drive.utf8.first,
              (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(letter) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(letter)
        else { return nil }
        let rest = components.dropFirst()
        return drive + ":\\" + rest.joined(separator: "\\") + (isFolder && !rest.isEmpty ? "\\" : "")
    }
}
