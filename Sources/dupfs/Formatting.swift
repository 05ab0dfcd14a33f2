import Catalog
import Foundation

/// Shared text and JSON formatting for the commands.
enum Formatting {
    /// `2024-03-01T10:00:00Z`.
    static func utc(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// `2024-03-01T10:00:00.123456700Z` (nanoseconds shown only when not zero).
    static func utc(_ seconds: Int64, nanoseconds: Int32) -> String {
        let base = utc(seconds)
        guard nanoseconds != 0 else { return base }
        return String(base.dropLast()) + String(format: ".%09d", Int(nanoseconds)) + "Z"
    }

    /// `4.5 MiB`.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// `drwxr-xr-x`.
    static func mode(_ kind: EntryKindCode, _ mode: UInt32?) -> String {
        let type: Character = switch kind {
        case .folder: "d"
        case .symlink: "l"
        case .file: "-"
        }
        guard let mode else { return String(type) + "?????????" }
        var text = String(type)
        let letters: [Character] = ["r", "w", "x"]
        for i in 0..<9 {
            let bit = UInt32(1) << UInt32(8 - i)
            text.append(mode & bit != 0 ? letters[i % 3] : "-")
        }
        var chars = Array(text)
        if mode & 0o4000 != 0 { chars[3] = chars[3] == "x" ? "s" : "S" }
        if mode & 0o2000 != 0 { chars[6] = chars[6] == "x" ? "s" : "S" }
        if mode & 0o1000 != 0 { chars[9] = chars[9] == "x" ? "t" : "T" }
        return String(chars)
    }

    /// JSON text of a value made of dictionaries, arrays, strings, numbers, bools and NSNull.
    static func json(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A name made safe for a terminal: control characters become `?` (as `ls -q` does) when
    /// stdout is a terminal, so a hostile file name cannot drive it.
    static func display(_ name: String) -> String {
        guard stdoutIsTerminal else { return name }
        return String(String.UnicodeScalarView(name.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f || (0x80..<0xa0).contains($0.value) ? "?" : $0 }))
    }

    static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1

    static func typeName(_ kind: EntryKindCode) -> String {
        switch kind {
        case .folder: "folder"
        case .file: "file"
        case .symlink: "symlink"
        }
    }
}
