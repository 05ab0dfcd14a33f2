import Catalog
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `ls -l`, `stat` and a restore show for an entry: its metadata where the backup has it,
/// sensible defaults where it does not (Windows backups carry no mode or owner; folders that
/// were only ancestors of a backed-up path carry nothing at all).
package struct EntryAttributes: Sendable, Equatable {
    package var kind: EntryKindCode
    package var size: Int64
    /// Permission bits (0o7777), without the file-type bits.
    package var permissions: UInt32
    package var uid: UInt32
    package var gid: UInt32
    package var ownerName: String?
    package var groupName: String?
    package var mtimeSeconds: Int64
    package var mtimeNanoseconds: Int32
    package var symlinkTarget: String?
    /// Whether ``uid`` and ``gid`` are the backup's (a backup made on Windows holds none: then
    /// they are this process's, as for any filesystem without POSIX owners).
    package var ownerKnown = false
    /// The Windows attributes as stored, for entries backed up from Windows.
    package var windowsAttributes: String?
    /// False when the defaults stand in for metadata that could not be read.
    package var complete: Bool

    /// The mode with the file-type bits (`S_IFDIR | 0o755`, ...).
    package var mode: UInt32 {
        let type: UInt32 = switch kind {
        case .folder: UInt32(S_IFDIR)
        case .file: UInt32(S_IFREG)
        case .symlink: UInt32(S_IFLNK)
        }
        return type | permissions
    }

    /// Attributes made only from the file list (no metadata).
    /// - Parameters:
    ///   - entry: the entry.
    ///   - versionTime: the backup time, used for folders that have no time of their own.
    package static func defaults(for entry: EntryRecord, versionTime: Int64) -> EntryAttributes {
        let permissions: UInt32 = switch entry.kind {
        case .folder: 0o755
        case .file: 0o644
        case .symlink: 0o777
        }
        return EntryAttributes(
            kind: entry.kind, size: entry.kind == .symlink ? 0 : entry.size, permissions: permissions,
            uid: processOwner.uid, gid: processOwner.gid, ownerName: nil, groupName: nil,
            mtimeSeconds: entry.listTime ?? versionTime, mtimeNanoseconds: 0, symlinkTarget: nil,
            complete: entry.metahash == nil)
    }

    /// The user and group of this process (asked once: defaults are made for every entry listed).
    private static let processOwner = (uid: getuid(), gid: getgid())

    /// The attributes of an entry from what the index already holds, without touching storage.
    /// - Parameters:
    ///   - item: the entry with its decoded metadata, if the index has it.
    ///   - versionTime: the backup time, used for folders that have no time of their own.
    /// - Returns: nil when the entry's metadata has not been fetched and decoded yet.
    package static func atHand(_ item: EntryWithMetadata, versionTime: Int64) -> EntryAttributes? {
        let base = defaults(for: item.entry, versionTime: versionTime)
        guard item.entry.metahash != nil else { return base }
        guard let metadata = item.metadata else { return nil }
        return base.applying(metadata)
    }

    /// The defaults overlaid with what the metadata says.
    package func applying(_ meta: MetadataRecord) -> EntryAttributes {
        var out = self
        if let mode = meta.mode { out.permissions = mode & 0o7777 }
        if let uid = meta.uid { out.uid = uid }
        if let gid = meta.gid { out.gid = gid }
        out.ownerKnown = meta.uid != nil
        out.windowsAttributes = meta.windowsAttributes
        out.ownerName = meta.ownerName
        out.groupName = meta.groupName
        if let seconds = meta.mtimeSeconds {
            out.mtimeSeconds = seconds
            out.mtimeNanoseconds = meta.mtimeNanoseconds ?? 0
        }
        if kind == .symlink {
            out.symlinkTarget = meta.symlinkTarget
            out.size = Int64(meta.symlinkTarget?.utf8.count ?? 0)
        }
        out.complete = true
        return out
    }
}

extension Backup {
    /// The attributes of an entry, reading (and caching) its metadata when it has some.
    /// - Returns: the attributes, and the error when metadata could not be read (defaults then).
    package func attributes(of entry: EntryRecord, versionTime: Int64) -> (EntryAttributes, BackupError?) {
        let base = EntryAttributes.defaults(for: entry, versionTime: versionTime)
        do {
            guard let meta = try metadata(of: entry) else { return (base, nil) }
            return (base.applying(meta), nil)
        } catch let error as BackupError {
            return (base, error)
        } catch {
            return (base, .local("\(error)"))
        }
    }
}
