import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The restore target, written only through directory descriptors so that nothing can land
/// outside it: every component is opened with `O_NOFOLLOW`, so a symlink (from the backup or
/// already there) is never followed on the way down.
final class TargetDirectory {
    private let root: Int32
    let path: String

    /// Opens (creating if needed) the target folder.
    init(path: String) throws {
        var made = ""
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            made += "/" + part
            if mkdir(made, 0o755) != 0 && errno != EEXIST {
                throw BackupError.local("cannot create \(made): \(Self.reason())")
            }
        }
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.local("cannot open target \(path): \(Self.reason())") }
        root = fd
        self.path = path
    }

    deinit { close(root) }

    static func reason() -> String { String(cString: strerror(errno)) }

    /// Opens the folder at `components` below the target, creating missing ones (mode 0755).
    /// The caller closes the result.
    func openFolder(_ components: ArraySlice<String>) throws -> Int32 {
        var fd = dup(root)
        guard fd >= 0 else { throw BackupError.local("dup: \(Self.reason())") }
        for name in components {
            let next: Int32
            do {
                next = try Self.enter(fd, name)
            } catch {
                close(fd)
                throw error
            }
            close(fd)
            fd = next
        }
        return fd
    }

    /// Opens (creating it if missing, mode 0755) the folder `name` in the folder `fd`, never
    /// through a symlink. The caller closes the result; `fd` stays open.
    static func enter(_ fd: Int32, _ name: String) throws -> Int32 {
        try checkName(name)
        var next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if next < 0 && errno == ENOENT {
            if mkdirat(fd, name, 0o755) != 0 && errno != EEXIST {
                throw BackupError.local("cannot create folder \(name): \(reason())")
            }
            next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        if next < 0 {
            let why = errno == ELOOP || errno == ENOTDIR ? "a non-folder (or symlink) is in the way" : reason()
            throw BackupError.local("cannot enter folder \(name): \(why)")
        }
        return next
    }

    /// Refuses names that could step outside a folder.
    static func checkName(_ name: String) throws {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.utf8.contains(0) else {
            throw BackupError.local("refusing unsafe name \(name.debugDescription)")
        }
    }

    /// What is at `name` in folder `fd`, without following symlinks.
    static func existing(_ fd: Int32, _ name: String) -> mode_t? {
        var info = stat()
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// The temporary name an item is written under before it is renamed into place. The same
    /// for every run, so that a restore killed half-way and run again reuses (and replaces) what
    /// it left, instead of leaving litter; random only when the name would be too long.
    static func temporaryName(for name: String) -> String {
        let candidate = ".\(name).dupfs-partial~"
        if candidate.utf8.count <= 255 { return candidate }
        return ".dupfs-\(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff_ffff).partial"
    }
}
