import Backup
import Catalog
import Foundation
import FuseKit

#if canImport(Glibc)
import Glibc
#endif

/// `history/` (`mount --history`): the union of every version's folder tree, where each file or
/// symlink P is a folder `history/P/` holding one entry per version in which P changed (its type,
/// file hash or metadata hash differs from the nearest older version holding P, or none older
/// holds it), named by that version's folder name.
///
/// Nothing of it is kept in memory: a node is a path, found again from its inode (see
/// ``InodeLayout``), and every request asks each version's index about that path. Listing
/// `history/P` lists P in every version that holds it as a folder and merges the names (held
/// while that one listing is open). A path that is a folder in some versions and a file or
/// symlink in others is both: `history/P/` holds the union of its children and the entries of
/// the versions where it was a changed file or symlink; a child whose name equals such a
/// version's folder name hides that entry. The version entries are the versions' own entries
/// (same inode): attributes, link targets and verified reads are the version folders' own.
extension BackupFilesystem {
    /// One name in a `history/` folder.
    struct HistoryItem: Sendable {
        let name: [UInt8]
        /// A `history/` folder's inode, or the version entry's own.
        let inode: UInt64
        /// The version entry (nil: a `history/` folder).
        let entry: (version: Version, item: EntryWithMetadata)?
        /// For a `history/` folder: the time of the version it is named after.
        let time: Int64
    }

    /// Open `history/` folder listings by handle (computed by the first `readdir`).
    struct HistoryListings: ~Copyable {
        var next: UInt64 = 1
        var open: [UInt64: [HistoryItem]] = [:]
    }

    /// The versions holding the paths of the `history/` folders used last, so that a listing
    /// and the lookups of its names (`ls -l`) ask every version about the folder once, not once
    /// per name. Bounded: emptied when full, and whenever the set of versions changes.
    struct HistoryHolderCache: ~Copyable {
        var versionCount = 0
        var byFolder: [UInt64: [(version: Version, item: EntryWithMetadata)]] = [:]
    }

    /// The most `history/` folders whose holders are remembered.
    static let rememberedHistoryFolders = 256

    /// Handles of `history/` listings carry this bit (other folders' handles are 0).
    static let historyHandleBit: UInt64 = 1 << 62

    /// Whether an inode is a `history/` folder.
    func isHistoryFolder(_ inode: InodeNumber) -> Bool {
        history && (inode == InodeLayout.historyRoot || InodeLayout.splitHistory(inode) != nil)
    }

    /// The path a `history/` folder stands for (`[]` for `history/` itself), and the time of the
    /// version it is named after.
    /// - Throws: `ENOENT` when the inode names nothing (a version gone, nonsense).
    func historyPath(_ inode: InodeNumber) throws(Errno) -> (components: [String], time: Int64) {
        if inode == InodeLayout.historyRoot { return ([], versions.first?.record.time ?? mountTime) }
        guard let (key, id) = InodeLayout.splitHistory(inode),
              let version = versions.first(where: { $0.key == key }) else { throw Errno(ENOENT) }
        var names: [String] = []
        var current = id
        do {
            while current != 0 {
                guard let entry = try backup.catalog.entry(version: version.record.id, id: current), names.count < 4096 else {
                    throw Errno(ENOENT)
                }
                names.append(entry.name)
                current = entry.parent
            }
        } catch let error as Errno {
            throw error
        } catch {
            logger.error("index lookup failed: \(error)")
            throw Errno(EIO)
        }
        return (names.reversed(), version.record.time)
    }

    /// Every version holding the path of a `history/` folder, newest first, with its entry
    /// there (remembered for the folders used last).
    func historyHolders(of inode: InodeNumber) throws(Errno) -> [(version: Version, item: EntryWithMetadata)] {
        let count = versions.count
        if let known = historyHolderCache.withLock({ $0.versionCount == count ? $0.byFolder[inode] : nil }) { return known }
        let holders = try historyHolders(try historyPath(inode).components)
        historyHolderCache.withLock { cache in
            if cache.versionCount != count || cache.byFolder.count >= Self.rememberedHistoryFolders {
                cache.byFolder.removeAll()
                cache.versionCount = count
            }
            cache.byFolder[inode] = holders
        }
        return holders
    }

    /// Every version holding a path, newest first, with its entry there.
    func historyHolders(_ components: [String]) throws(Errno) -> [(version: Version, item: EntryWithMetadata)] {
        var holders: [(version: Version, item: EntryWithMetadata)] = []
        do {
            for version in versions {
                try backup.requireFileList(of: version.record)
                guard var current = try backup.catalog.entryWithMetadata(version: version.record.id, id: 0) else { continue }
                var found = true
                for name in components {
                    guard current.entry.kind == .folder,
                          let next = try backup.catalog.childWithMetadata(version: version.record.id, parent: current.entry.id, name: name)
                    else {
                        found = false
                        break
                    }
                    current = next
                }
                if found { holders.append((version, current)) }
            }
        } catch {
            logger.error("history: index lookup failed: \(error)")
            throw Errno(EIO)
        }
        return holders
    }

    /// The versions where a path is a file or symlink that changed, newest first.
    func historyVersionEntries(_ holders: [(version: Version, item: EntryWithMetadata)]) -> [(version: Version, item: EntryWithMetadata)] {
        holders.indices.filter { i in
            let entry = holders[i].item.entry
            guard entry.kind != .folder else { return false }
            guard i + 1 < holders.count else { return true }
            let older = holders[i + 1].item.entry
            return older.kind != entry.kind || older.hash != entry.hash || older.metahash != entry.metahash
        }.map { holders[$0] }
    }

    /// A `history/` folder's attributes (made by the mount, like the version folders).
    func historyFolderAttributes(_ inode: InodeNumber, time: Int64) -> FileAttributes {
        FileAttributes(
            inode: inode, mode: UInt32(S_IFDIR) | 0o555, nlink: Self.folderLinks, uid: getuid(), gid: getgid(),
            mtime: FileTimestamp(seconds: time))
    }

    /// `lookup` in a `history/` folder (on a worker: it asks every version).
    func historyLookup(parent: InodeNumber, name: String, reply: PendingReply<EntryReply>) {
        later(reply) { () throws(Errno) -> EntryReply in
            let holders = try self.historyHolders(of: parent)
            for (version, item) in holders where item.entry.kind == .folder {
                let child: EntryRecord?
                do {
                    child = try self.backup.catalog.child(version: version.record.id, parent: item.entry.id, name: name)
                } catch {
                    throw Errno(EIO)
                }
                if let child {
                    let inode = InodeLayout.historyFolder(versionKey: version.key, entryID: child.id)
                    return self.entryReply(self.historyFolderAttributes(inode, time: version.record.time))
                }
            }
            guard let (version, item) = self.historyVersionEntries(holders).first(where: { $0.version.name == name }) else {
                throw Errno(ENOENT)
            }
            return self.entryReply(try self.fetchedAttributes(item, version: version))
        }
    }

    /// `getattr` of a `history/` folder.
    func historyGetattr(_ inode: InodeNumber) throws(Errno) -> FileAttributes {
        historyFolderAttributes(inode, time: try historyPath(inode).time)
    }

    /// `opendir` of a `history/` folder: a handle whose listing the first `readdir` computes.
    func historyOpendir(_ inode: InodeNumber) throws(Errno) -> UInt64 {
        _ = try historyPath(inode)
        return historyListings.withLock { state in
            let handle = Self.historyHandleBit | state.next
            state.next += 1
            return handle
        }
    }

    /// `releasedir` of a `history/` folder.
    func historyReleasedir(_ handle: UInt64) {
        historyListings.withLock { _ = $0.open.removeValue(forKey: handle) }
    }

    /// `readdir` of a `history/` folder: cookies 1 and 2 after `.` and `..`, then the position
    /// in the merged listing + 3.
    func historyReaddir(
        inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool, limit: Int,
        reply: PendingReply<[(entry: DirectoryEntry, nextOffset: Int64)]>
    ) {
        later(reply) { () throws(Errno) -> [(entry: DirectoryEntry, nextOffset: Int64)] in
            var items = self.historyListings.withLock { $0.open[handle] }
            if items == nil {
                let listed = try self.historyListing(inode)
                self.historyListings.withLock { $0.open[handle] = listed }
                items = listed
            }
            let all = items ?? []
            var out: [(entry: DirectoryEntry, nextOffset: Int64)] = []
            let dot = FileAttributes(inode: inode, mode: UInt32(S_IFDIR))
            if offset < 1 { out.append((DirectoryEntry(name: [46], attributes: dot), 1)) }
            if offset < 2 { out.append((DirectoryEntry(name: [46, 46], attributes: dot), 2)) }
            let start = max(0, Int(offset) - 2)
            let end = min(all.count, start + max(1, min(limit, Self.listingPage)))
            guard start < end else { return out }
            for index in start..<end {
                let item = all[index]
                let entry: DirectoryEntry
                if let (version, found) = item.entry {
                    let nameOnly = FileAttributes(inode: item.inode, mode: Self.typeBits(found.entry.kind))
                    if plus, let known = self.attributesAtHand(found, version: version) {
                        entry = DirectoryEntry(name: item.name, attributes: known)
                    } else {
                        entry = DirectoryEntry(name: item.name, attributes: nameOnly, attributesKnown: !plus)
                    }
                } else {
                    entry = DirectoryEntry(name: item.name, attributes: self.historyFolderAttributes(item.inode, time: item.time))
                }
                out.append((entry, Int64(index) + 3))
            }
            return out
        }
    }

    /// The merged listing of a `history/` folder, sorted by name bytes: the children of every
    /// version's folder P, then the version entries whose names no child takes.
    func historyListing(_ inode: InodeNumber) throws(Errno) -> [HistoryItem] {
        let holders = try historyHolders(of: inode)
        var byName: [[UInt8]: HistoryItem] = [:]
        for (version, item) in holders where item.entry.kind == .folder {
            var after: String?
            while true {
                let page: [EntryRecord]
                do {
                    page = try backup.catalog.children(version: version.record.id, parent: item.entry.id, after: after, limit: 4096)
                } catch {
                    logger.error("history: index listing failed: \(error)")
                    throw Errno(EIO)
                }
                for child in page {
                    let name = Array(child.name.utf8)
                    // Newest first: the first version holding a name names its folder.
                    if byName[name] == nil {
                        byName[name] = HistoryItem(
                            name: name, inode: InodeLayout.historyFolder(versionKey: version.key, entryID: child.id),
                            entry: nil, time: version.record.time)
                    }
                }
                guard page.count == 4096, let last = page.last else { break }
                after = last.name
            }
        }
        for (version, item) in historyVersionEntries(holders) {
            let name = Array(version.name.utf8)
            if byName[name] == nil {
                byName[name] = HistoryItem(
                    name: name, inode: InodeLayout.inode(versionKey: version.key, entryID: item.entry.id),
                    entry: (version, item), time: version.record.time)
            }
        }
        return byName.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }
}

extension BackupFilesystem {
    /// Forgets a `history/` listing; other folders keep nothing per handle.
    package func releasedir(inode: InodeNumber, handle: UInt64) {
        if handle & Self.historyHandleBit != 0 { historyReleasedir(handle) }
    }
}
