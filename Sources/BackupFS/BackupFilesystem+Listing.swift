import Backup
import Catalog
import Foundation
import FuseKit

#if canImport(Glibc)
import Glibc
#endif

/// Listing folders (`readdir`, `readdirplus`) and fetching the metadata of many entries at once.
extension BackupFilesystem {
    /// The most children computed per `readdir` call (the kernel keeps what fits in its buffer).
    static let listingPage = 512
    /// Folder metadata prefetches that may run at once.
    static let folderPrefetchSlots = DispatchSemaphore(value: 4)
    /// Children whose metadata one step of a folder prefetch reads from the index.
    static let prefetchPage = 4096

    package func opendir(inode: InodeNumber) throws(Errno) -> UInt64 {
        if inode == InodeLayout.root { return 0 }
        let (version, item) = try resolve(inode)
        guard item.entry.kind == .folder else { throw Errno(ENOTDIR) }
        if item.entry.id == 0, let damage = version.record.damage,
           (try? backup.catalog.children(version: version.record.id, parent: 0, limit: 1).isEmpty) ?? true {
            // Nothing of its file list could be read: that is an error to show, not an empty folder.
            logger.error("version \(version.name): its file list could not be read (\(damage))")
            throw Errno(EIO)
        }
        return 0
    }

    /// Cookies: 1 after `.`, 2 after `..`; after a child, its entry id + 3 (root: version index + 3).
    ///
    /// `readdirplus` reads a page of children with their decoded metadata in one query and
    /// answers from it on this thread; only children whose metadata is not decoded yet cost a
    /// fetch (the whole folder's, coalesced, waited for briefly; then each such child's own,
    /// bounded as for a lookup).
    package func readdir(inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool) throws(Errno)
        -> [(entry: DirectoryEntry, nextOffset: Int64)]
    {
        try readdir(inode: inode, handle: handle, offset: offset, plus: plus, limit: Self.listingPage)
    }

    /// As ``readdir(inode:handle:offset:plus:)``, computing at most `limit` children (what the
    /// kernel's buffer can take: a few dozen with attributes, of a folder that may hold 100,000).
    package func readdir(inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool, limit: Int) throws(Errno)
        -> [(entry: DirectoryEntry, nextOffset: Int64)]
    {
        if inode == InodeLayout.root { return rootListing(offset: offset) }
        var out: [(entry: DirectoryEntry, nextOffset: Int64)] = []
        let (version, folder) = try resolve(inode)
        guard folder.entry.kind == .folder else { throw Errno(ENOTDIR) }
        let selfAttributes = plus ? attributes(folder, version: version).0 : FileAttributes(inode: inode, mode: UInt32(S_IFDIR))
        if offset < 1 { out.append((DirectoryEntry(name: [46], attributes: selfAttributes), 1)) }
        if offset < 2 { out.append((DirectoryEntry(name: [46, 46], attributes: selfAttributes), 2)) }
        var after: String?
        if offset > 2 {
            do {
                guard let last = try backup.catalog.entry(version: version.record.id, id: offset - 3) else { return out }
                after = last.name
            } catch {
                throw Errno(EIO)
            }
        }
        let versionID = version.record.id
        let pageSize = max(1, min(limit, Self.listingPage))
        var page: [EntryWithMetadata]
        do {
            page = try backup.catalog.childrenWithMetadata(version: versionID, parent: folder.entry.id, after: after, limit: pageSize)
            if plus && page.contains(where: \.metadataPending) {
                prefetchChildrenMetadata(inode, version: version, folder: folder.entry)
                // What the prefetch decoded meanwhile is in the index now.
                page = try backup.catalog.childrenWithMetadata(version: versionID, parent: folder.entry.id, after: after, limit: pageSize)
            }
        } catch {
            logger.error("index listing failed: \(error)")
            throw Errno(EIO)
        }
        out.reserveCapacity(out.count + page.count)
        for child in page {
            let attributes = plus
                ? attributes(child, version: version).0
                : FileAttributes(inode: InodeLayout.inode(versionKey: version.key, entryID: child.entry.id), mode: Self.typeBits(child.entry.kind))
            out.append((DirectoryEntry(name: Array(child.entry.name.utf8), attributes: attributes), child.entry.id + 3))
        }
        return out
    }

    /// The root: `.`, `..`, one folder per version (newest first), `latest`.
    private func rootListing(offset: Int64) -> [(entry: DirectoryEntry, nextOffset: Int64)] {
        var out: [(entry: DirectoryEntry, nextOffset: Int64)] = []
        let dot = rootAttributes
        if offset < 1 { out.append((DirectoryEntry(name: [46], attributes: dot), 1)) }
        if offset < 2 { out.append((DirectoryEntry(name: [46, 46], attributes: dot), 2)) }
        let versions = versions
        let start = max(0, Int(offset) - 2)
        for (index, version) in versions.enumerated() where index >= start {
            out.append((DirectoryEntry(name: Array(version.name.utf8), attributes: versionFolderAttributes(version)), Int64(index) + 3))
        }
        if !versions.isEmpty && Int(offset) <= versions.count + 2 {
            out.append((DirectoryEntry(name: Array("latest".utf8), attributes: latestAttributes), Int64(versions.count) + 3))
        }
        return out
    }

    /// Records a lookup that must fetch its child's metadata; the second distinct child looked up
    /// that way in a folder fetches the whole folder's metadata in one go.
    func noteLookup(_ folderInode: InodeNumber, child: Int64, version: Version, folder: EntryRecord) {
        let wholeFolder = handles.withLock { state -> Bool in
            if state.prefetchedFolders.contains(folderInode) { return false }
            if let first = state.lookedUp[folderInode] { return first != child }
            if state.lookedUp.count >= Self.rememberedFolders { state.lookedUp.removeAll() }
            state.lookedUp[folderInode] = child
            return false
        }
        if wholeFolder { prefetchChildrenMetadata(folderInode, version: version, folder: folder) }
    }

    /// Once per folder, reads all its children's metadata that the index lacks with coalesced
    /// reads (a directory's worth at a time) instead of one request per child. Waits briefly and
    /// lets the rest finish in the background.
    func prefetchChildrenMetadata(_ inode: InodeNumber, version: Version, folder: EntryRecord) {
        let first = handles.withLock { state -> Bool in
            if state.prefetchedFolders.count >= Self.rememberedFolders { state.prefetchedFolders.removeAll() }
            state.lookedUp[inode] = nil
            return state.prefetchedFolders.insert(inode).inserted
        }
        guard first else { return }
        let backup = backup
        let versionID = version.record.id
        let folderID = folder.id
        let pageSize = Self.prefetchPage
        _ = bounded(timeout: min(0.5, metadataTimeout)) {
            // A few at a time: a cold `ls -lR` of a huge tree moves on faster than they finish,
            // and those that outlive their wait must not pile up (memory, threads). Without a
            // free slot, the listing fetches only what its own page needs.
            guard Self.folderPrefetchSlots.wait(timeout: .now()) == .success else { return false }
            defer { Self.folderPrefetchSlots.signal() }
            var after: String?
            while true {
                guard let page = try? backup.catalog.childrenWithMetadata(version: versionID, parent: folderID, after: after, limit: pageSize),
                      let last = page.last else { return true }
                backup.fetchMetadata(of: page)
                guard page.count == pageSize else { return true }
                after = last.entry.name
            }
        }
    }
}
