#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Checks a mountpoint before `fuse_session_mount`, which accepts a busy or non-empty
/// directory without complaint and only logs to stderr when the path is missing.
enum Mountpoint {
    /// Validates `path` and returns it absolute and without symlinks.
    /// - Parameters:
    ///   - path: The mountpoint as the user gave it.
    ///   - allowNonEmpty: Whether a directory with entries is acceptable.
    /// - Returns: The canonical path (`realpath`), as `/proc/mounts` will show it.
    /// - Throws: ``FuseKitError`` naming what is wrong.
    static func validated(_ path: String, allowNonEmpty: Bool) throws(FuseKitError) -> String {
        var status = stat()
        if stat(path, &status) != 0 {
            let code = errno
            switch code {
            case ENOENT: throw .mountpointMissing(path)
            // A FUSE mount whose daemon died answers ENOTCONN to everything.
            case ENOTCONN: throw .mountpointBusy(path)
            default: throw .mountpointInaccessible(path, errno: code)
            }
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw .mountpointNotDirectory(path) }
        var parent = stat()
        if stat(path + "/..", &parent) == 0, parent.st_dev != status.st_dev {
            throw .mountpointBusy(path)
        }
        if !allowNonEmpty {
            guard let directory = opendir(path) else { throw .mountpointInaccessible(path, errno: errno) }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    Array(raw.prefix { $0 != 0 })
                }
                if name != [UInt8(ascii: ".")] && name != [UInt8(ascii: "."), UInt8(ascii: ".")] {
                    throw .mountpointNotEmpty(path)
                }
            }
        }
        guard let resolved = realpath(path, nil) else { throw .mountpointInaccessible(path, errno: errno) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether something is mounted at the canonical `path` with filesystem type `type`
    /// (e.g. `fuse.dupfs`), read from `/proc/mounts` (which never calls into FUSE).
    /// - Parameters:
    ///   - path: A canonical path.
    ///   - type: The type column to match; `nil` matches any.
    static func isMounted(_ path: String, type: String? = nil) -> Bool {
        guard let file = fopen("/proc/mounts", "re") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let fields = String(cString: line).split(separator: " ")
            guard fields.count >= 3 else { continue }
            // /proc/mounts escapes space, tab, newline and backslash as octal.
            if unescapeMountField(fields[1]) == path && (type.map { fields[2] == $0 } ?? true) {
                return true
            }
        }
        return false
    }

    /// Decodes the `\040`-style octal escapes of a `/proc/mounts` field.
    static func unescapeMountField(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let source = Array(field.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count {
                let digits = source[(index + 1)...(index + 3)]
                if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                    let value = digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
                    if value < 256 {
                        bytes.append(UInt8(value))
                        index += 4
                        continue
                    }
                }
            }
            bytes.append(source[index])
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
