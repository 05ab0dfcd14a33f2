import Backup
import Catalog
import Foundation
import FuseKit

#if canImport(Glibc)
import Glibc
#endif

/// Attributes: the mount's own nodes, and entries' backed-up attributes, either at hand in the
/// index or fetched from storage (never made up).
extension BackupFilesystem {
    var rootAttributes: FileAttributes {
        let time = FileTimestamp(seconds: versions.first?.record.time ?? mountTime)
        return FileAttributes(inode: InodeLayout.root, mode: UInt32(S_IFDIR) | 0o555, nlink: UInt32(2 + versions.count), uid: getuid(), gid: getgid(), mtime: time)
    }

    var latestTarget: [UInt8] { Array((versions.first?.name ?? ".").utf8) }

    var latestAttributes: FileAttributes {
        let time = FileTimestamp(seconds: versions.first?.record.time ?? mountTime)
        return FileAttributes(inode: InodeLayout.latest, mode: UInt32(S_IFLNK) | 0o777, uid: getuid(), gid: getgid(), size: UInt64(latestTarget.count), mtime: time)
    }

    func versionFolderAttributes(_ version: Version) -> FileAttributes {
        FileAttributes(
            inode: InodeLayout.inode(versionKey: version.key, entryID: 0), mode: UInt32(S_IFDIR) | 0o555, nlink: Self.folderLinks,
            uid: getuid(), gid: getgid(), mtime: FileTimestamp(seconds: version.record.time))
    }

    /// An entry's attributes from what the index holds; nil while its metadata has not been
    /// fetched (never defaults standing in for it).
    func attributesAtHand(_ item: EntryWithMetadata, version: Version) -> FileAttributes? {
        if item.entry.id == 0 { return versionFolderAttributes(version) }
        rememberIfWithoutExtendedAttributes(item, version: version)
        guard let known = EntryAttributes.atHand(item, versionTime: version.record.time) else { return nil }
        return fileAttributes(known, entry: item.entry, version: version)
    }

    /// An entry's attributes, fetching its metadata when the index lacks it (call on a worker
    /// thread: this waits for storage).
    /// - Throws: `EIO` when the metadata cannot be read (logged with the entry's path).
    func fetchedAttributes(_ item: EntryWithMetadata, version: Version) throws(Errno) -> FileAttributes {
        if let known = attributesAtHand(item, version: version) { return known }
        // A folder fetch may have decoded it meanwhile.
        if let fresh = try? backup.catalog.entryWithMetadata(version: version.record.id, id: item.entry.id),
           let known = attributesAtHand(fresh, version: version) {
            return known
        }
        let (found, problem) = backup.attributes(of: item.entry, versionTime: version.record.time)
        if let problem {
            if item.entry.kind == .folder {
                // A folder must stay passable, or a lost metadata block would hide every intact
                // entry below it: it is shown as a folder the backup holds nothing about (0755,
                // the mounting user, the version's time), like an ancestor of the backed-up folders.
                logger.error("\(item.entry.storedPath): metadata unavailable, shown as a folder without metadata: \(problem)")
                return fileAttributes(found, entry: item.entry, version: version)
            }
            logger.error("\(item.entry.storedPath): metadata unavailable: \(problem)")
            throw Errno(BackupFSError.errno(for: problem))
        }
        return fileAttributes(found, entry: item.entry, version: version)
    }

    /// What the kernel is told about an entry.
    func fileAttributes(_ found: EntryAttributes, entry: EntryRecord, version: Version) -> FileAttributes {
        // The modes as backed up (cp -a must reproduce them); writes fail with EROFS anyway.
        var mode = found.mode
        if entry.kind == .symlink { mode = UInt32(S_IFLNK) | 0o777 }
        let size: UInt64 = switch entry.kind {
        case .file: UInt64(entry.size)
        case .symlink: UInt64(found.symlinkTarget?.utf8.count ?? 0)
        case .folder: 0
        }
        return FileAttributes(
            inode: InodeLayout.inode(versionKey: version.key, entryID: entry.id), mode: mode,
            nlink: entry.kind == .folder ? Self.folderLinks : 1, uid: found.uid, gid: found.gid, size: size,
            mtime: FileTimestamp(seconds: found.mtimeSeconds, nanoseconds: UInt32(max(0, found.mtimeNanoseconds))))
    }
}
