/// Maps a stored source path to the path components shown under a version (mount and restore):
/// "/data/x" -> ["data","x"]; "/data/dir/" -> ["data","dir"]; "/" -> [];
/// "C:\\Users\\ann\\x" -> ["C","Users","ann","x"]; "C:\\" -> ["C"]; "\\\\server\\share\\x" -> ["UNC","server","share","x"].
/// Separator style from GuessDirSeparator (§6.3: "/" if it starts with "/", else "\\").
/// Components "" and "." are dropped; a path containing "..", NUL, or (Windows style) a "/" inside a
/// name returns nil (refused: never escapes); relative paths (not "/" rooted, no drive, not UNC) return nil.
///
/// Works on UTF-8 bytes, not `Character`s, so a separator followed by a combining mark still
/// separates. The long-path forms `\\?\C:\…` and `\\?\UNC\server\share\…` map like `C:\…` and
/// `\\server\share\…`. A UNC server or share may not be empty, `.` or `..` (`\\.\` device
/// paths are refused).
package enum SourcePath {
    private static let slash = UInt8(ascii: "/")
    private static let backslash = UInt8(ascii: "\\")

    /// The components of a stored path, or nil when it is refused.
    /// - Parameter storedPath: a `path` from `filelist.json`.
    /// - Returns: the names below the version's root; empty for `/`.
    package static func components(of storedPath: String) -> [String]? {
        let bytes = Array(storedPath.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else { return nil }
        if bytes[0] == slash {
            return names(bytes[1...], separator: slash)
        }
        return windowsComponents(bytes[...])
    }

    /// Whether a stored path names a folder: it ends with its separator (§6.3).
    /// - Parameter storedPath: a `path` from `filelist.json`.
    /// - Returns: true for `/a/b/`, `C:\a\`, false for `/a/b`, `C:\a`.
    package static func isFolder(_ storedPath: String) -> Bool {
        let bytes = storedPath.utf8
        guard let first = bytes.first, let last = bytes.last else { return false }
        return last == (first == slash ? slash : backslash)
    }

    /// The separator a stored path uses (`GuessDirSeparator`).
    /// - Parameter storedPath: a `path` from `filelist.json`.
    /// - Returns: `/` if the path starts with `/`, otherwise `\`.
    package static func separator(of storedPath: String) -> Character {
        storedPath.utf8.first == slash ? "/" : "\\"
    }

    private static func windowsComponents(_ path: ArraySlice<UInt8>) -> [String]? {
        var rest = path
        let longPrefix = Array(#"\\?\"#.utf8)
        let longUNCPrefix = Array(#"\\?\UNC\"#.utf8)
        if rest.starts(with: longUNCPrefix) {
            return uncComponents(rest.dropFirst(longUNCPrefix.count))
        }
        if rest.starts(with: longPrefix) {
            rest = rest.dropFirst(longPrefix.count)
        } else if rest.starts(with: [backslash, backslash]) {
            return uncComponents(rest.dropFirst(2))
        }
        // Drive form: a letter, ':' and '\'.
        guard rest.count >= 3 else { return nil }
        let drive = rest[rest.startIndex]
        guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(drive)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(drive),
              rest[rest.startIndex + 1] == UInt8(ascii: ":"),
              rest[rest.startIndex + 2] == backslash,
              let below = names(rest.dropFirst(3), separator: backslash)
        else { return nil }
        return [String(decoding: [drive], as: UTF8.self)] + below
    }

    /// `server\share\rest…` after the leading `\\`.
    private static func uncComponents(_ path: ArraySlice<UInt8>) -> [String]? {
        let parts = path.split(separator: backslash, maxSplits: 2, omittingEmptySubsequences: false)
        var result = ["UNC"]
        for (position, part) in parts.enumerated() {
            if position < 2 {
                // Server and share: a trailing separator after them is fine, a hole is not.
                if part.isEmpty && position == parts.count - 1 && position > 0 { break }
                guard !part.isEmpty, !isDot(part), !isDotDot(part), !part.contains(slash) else {
                    return nil
                }
                result.append(String(decoding: part, as: UTF8.self))
            } else {
                guard let below = names(part, separator: backslash) else { return nil }
                result += below
            }
        }
        return result
    }

    /// Splits the part below the root; drops "" and "."; refuses "..", and "/" inside a
    /// Windows name.
    private static func names(_ path: ArraySlice<UInt8>, separator: UInt8) -> [String]? {
        var result: [String] = []
        for part in path.split(separator: separator, omittingEmptySubsequences: true) {
            if isDot(part) { continue }
            if isDotDot(part) { return nil }
            if separator == backslash, part.contains(slash) { return nil }
            result.append(String(decoding: part, as: UTF8.self))
        }
        return result
    }

    private static func isDot(_ part: ArraySlice<UInt8>) -> Bool {
        part.elementsEqual([UInt8(ascii: ".")])
    }

    private static func isDotDot(_ part: ArraySlice<UInt8>) -> Bool {
        part.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
    }
}
