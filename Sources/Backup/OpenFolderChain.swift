#if canImport(Glibc)
import Glibc
#endif

/// The folders of a restore target from where a restore began down to where it is now, kept
/// open while it descends, so that each item is written through its parent's descriptor and no
/// path is walked from the target's root again (at depth d that was d opens per item).
///
/// Only the deepest ``openLimit`` levels hold a descriptor (a chain of 4,096 folders must not
/// run out of them). Going back up to a level whose descriptor was closed opens `..` of the
/// level below and checks that it is the same folder (device and inode) as on the way down,
/// so a folder moved meanwhile stops the restore instead of leading it elsewhere.
final class OpenFolderChain {
    /// How many levels keep their descriptor open at most.
    static let openLimit = 64

    private struct Level {
        var fd: Int32
        let device: UInt64
        let inode: UInt64
    }

    private var levels: [Level] = []

    /// - Parameter base: an open folder, which the chain now owns and closes.
    init(base: Int32) throws {
        do {
            levels.append(try Self.level(base))
        } catch {
            close(base)
            throw error
        }
    }

    deinit {
        for level in levels where level.fd >= 0 { close(level.fd) }
    }

    /// The deepest folder; always open.
    var current: Int32 { levels[levels.count - 1].fd }

    /// How many folders were entered below the base.
    var depth: Int { levels.count - 1 }

    /// Opens (creating it if missing) the folder `name` in the current one and makes it current.
    func enter(_ name: String) throws {
        let fd = try TargetDirectory.enter(current, name)
        let level: Level
        do {
            level = try Self.level(fd)
        } catch {
            close(fd)
            throw error
        }
        levels.append(level)
        let retired = levels.count - 1 - Self.openLimit
        if retired >= 0, levels[retired].fd >= 0 {
            close(levels[retired].fd)
            levels[retired].fd = -1
        }
    }

    /// Closes the current folder and makes its parent current again.
    func leave() throws {
        precondition(levels.count > 1, "left the base of an open folder chain")
        let child = levels.removeLast()
        defer { close(child.fd) }
        let top = levels.count - 1
        guard levels[top].fd < 0 else { return }
        let fd = openat(child.fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.local("cannot reopen a folder of the target: \(TargetDirectory.reason())") }
        var info = stat()
        guard fstat(fd, &info) == 0, UInt64(info.st_dev) == levels[top].device, UInt64(info.st_ino) == levels[top].inode else {
            close(fd)
            throw BackupError.local("a folder of the target was moved during the restore")
        }
        levels[top].fd = fd
    }

    private static func level(_ fd: Int32) throws -> Level {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw BackupError.local("cannot stat a folder of the target: \(TargetDirectory.reason())") }
        return Level(fd: fd, device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
