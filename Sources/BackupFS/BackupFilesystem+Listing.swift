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
    /// Folder metadata fetches that may run at once.
    static let folderPrefetchSlots = DispatchSemaphore(value: 4)
    /// Where folder metadata fetches run.
    static let folderQueue = DispatchQueue(label: "dupfs.folders", attributes: .concurrent)
    /// Children whose metadata one step of a folder prefetch reads from the index.
    static let prefetchPage = 4096

    package func opendir(inode: InodeNumber) throws(Errno) -> UInt64 {
        if inode == InodeLayout.root { return 0 }
        if isHistoryFolder(inode) { return try historyOpendir(inode) }
        // A version's root whose list is not read yet: readdir reads it (off this thread).
        if versionAwaitingFileList(inode) != nil { return 0 }
        let (version, item) = try resolve(inode)
        guard item.entry.kind == .folder else { throw Errno(ENOTDIR) }
        try refuseUnreadList(version, folder: item)
        return 0
    }

    /// A version root whose file list could not be read at all is an error to show, not an
    /// empty folder.
    func refuseUnreadList(_ version: Version, folder: EntryWithMetadata) throws(Errno) {
        if folder.entry.id == 0, let damage = version.record.damage,
           (try? backup.catalog.children(version: version.record.id, parent: 0, limit: 1).isEmpty) ?? true {
            logger.error("version \(version.name): its file list could not be read (\(damage))")
            throw Errno(EIO)
        }
    }

    /// Cookies: 1 after `.`, 2 after `..`; after a child, its entry id + 3 (root: version index + 3).
    ///
    /// A page of children is read with their decoded metadata in one query and answered on
    /// this thread when every child's metadata is at hand. Otherwise a worker fetches the whole
    /// folder's metadata in one go (or joins the fetch under way) and answers once the page is
    /// done; children still without metadata near the deadline are listed as names only, which
    /// the kernel looks up on its own (a lookup waits for them, or fails with EIO). No child is
    /// ever shown with attributes the backup does not hold.
    /// `.` and `..` carry only their type: the kernel ignores their attributes in `readdirplus`.
    package func readdir(
        inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool, limit: Int,
        reply: PendingReply<[(entry: DirectoryEntry, nextOffset: Int64)]>
    ) {
        if inode == InodeLayout.root { return reply.succeed(rootListing(offset: offset)) }
        if isHistoryFolder(inode) {
            return historyReaddir(inode: inode, handle: handle, offset: offset, plus: plus, limit: limit, reply: reply)
        }
        if deferredForFileList(inode, reply, retry: {
            self.readdir(inode: inode, handle: handle, offset: offset, plus: plus, limit: limit, reply: reply, listJustRead: true)
        }) { return }
        readdir(inode: inode, handle: handle, offset: offset, plus: plus, limit: limit, reply: reply, listJustRead: false)
    }

    /// As ``readdir(inode:handle:offset:plus:limit:reply:)`` once the version's list is read;
    /// `listJustRead`: opendir could not check the version root, so this does.
    private func readdir(
        inode: InodeNumber, handle: UInt64, offset: Int64, plus: Bool, limit: Int,
        reply: PendingReply<[(entry: DirectoryEntry, nextOffset: Int64)]>, listJustRead: Bool
    ) {
        let version: Version, folder: EntryWithMetadata
        do throws(Errno) { (version, folder) = try resolve(inode) } catch { return reply.fail(error) }
        guard folder.entry.kind == .folder else { return reply.fail(Errno(ENOTDIR)) }
        if listJustRead || offset == 0 {
            do throws(Errno) { try refuseUnreadList(version, folder: folder) } catch { return reply.fail(error) }
        }
        var after: String?
        if offset > 2 {
            do {
                guard let last = try backup.catalog.entry(version: version.record.id, id: offset - 3) else { return reply.succeed([]) }
                after = last.name
            } catch {
                return reply.fail(Errno(EIO))
            }
        }
        let pageSize = max(1, min(limit, Self.listingPage))
        let page: [EntryWithMetadata]
        do {
            page = try backup.catalog.childrenWithMetadata(version: version.record.id, parent: folder.entry.id, after: after, limit: pageSize)
        } catch {
            logger.error("index listing failed: \(error)")
            return reply.fail(Errno(EIO))
        }
        guard plus, page.contains(where: \.metadataPending) else {
            return reply.succeed(listing(page, version: version, folder: inode, offset: offset, plus: plus))
        }
        let start = after
        later(reply) { () throws(Errno) -> [(entry: DirectoryEntry, nextOffset: Int64)] in
            let after = start
            // Leave a little of the deadline to answer with names only rather than EIO.
            let margin = min(1, 0.1 * reply.remaining)
            let answerBy = DispatchTime.now() + max(0, reply.remaining - margin)
            self.folderMetadata(inode, version: version, folder: folder.entry, through: page.last?.entry.name, until: answerBy)
            var fresh = page
            if let reread = try? self.backup.catalog.childrenWithMetadata(
                version: version.record.id, parent: folder.entry.id, after: after, limit: pageSize) {
                fresh = reread
            }
            let missing = fresh.filter(\.metadataPending)
            if !missing.isEmpty && DispatchTime.now() < answerBy {
                // The folder fetch failed for these, or another fetch held the folder: their own.
                self.backup.fetchMetadata(of: missing)
                fresh = (try? self.backup.catalog.childrenWithMetadata(
                    version: version.record.id, parent: folder.entry.id, after: after, limit: pageSize)) ?? fresh
            }
            return self.listing(fresh, version: version, folder: inode, offset: offset, plus: plus)
        }
    }

    /// The answer to a listing: `.` and `..` at the start, then the page's children.
    private func listing(
        _ page: [EntryWithMetadata], version: Version, folder: InodeNumber, offset: Int64, plus: Bool
    ) -> [(entry: DirectoryEntry, nextOffset: Int64)] {
        var out: [(entry: DirectoryEntry, nextOffset: Int64)] = []
        out.reserveCapacity(page.count + 2)
        let dot = FileAttributes(inode: folder, mode: UInt32(S_IFDIR))
        if offset < 1 { out.append((DirectoryEntry(name: [46], attributes: dot), 1)) }
        if offset < 2 { out.append((DirectoryEntry(name: [46, 46], attributes: dot), 2)) }
        for child in page {
            let nameOnly = FileAttributes(
                inode: InodeLayout.inode(versionKey: version.key, entryID: child.entry.id), mode: Self.typeBits(child.entry.kind))
            let entry: DirectoryEntry
            if plus, let known = attributesAtHand(child, version: version) {
                entry = DirectoryEntry(name: Array(child.entry.name.utf8), attributes: known)
            } else {
                entry = DirectoryEntry(name: Array(child.entry.name.utf8), attributes: nameOnly, attributesKnown: !plus)
            }
            out.append((entry, child.entry.id + 3))
        }
        return out
    }

    /// The root: `.`, `..`, one folder per version (newest first), `latest`, and `history` when
    /// the mount shows it.
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
        if history && Int(offset) <= versions.count + 3 {
            let attributes = historyFolderAttributes(InodeLayout.historyRoot, time: versions.first?.record.time ?? mountTime)
            out.append((DirectoryEntry(name: Array("history".utf8), attributes: attributes), Int64(versions.count) + 4))
        }
        return out
    }

    /// Records a lookup that must fetch its child's metadata; from the second distinct child
    /// looked up that way in a folder, the folder's metadata is fetched in one go and the
    /// lookup waits for the part holding its child (call on a worker thread).
    func noteLookup(_ folderInode: InodeNumber, child: Int64, version: Version, folder: EntryRecord, reply: PendingReply<EntryReply>) {
        let wholeFolder = handles.withLock { state -> Bool in
            if state.prefetchedFolders.contains(folderInode) || state.folderFetches[folderInode] != nil { return true }
            if let first = state.lookedUp[folderInode] { return first != child }
            if state.lookedUp.count >= Self.rememberedFolders { state.lookedUp.removeAll() }
            state.lookedUp[folderInode] = child
            return false
        }
        guard wholeFolder, let item = try? backup.catalog.entryWithMetadata(version: version.record.id, id: child) else { return }
        folderMetadata(folderInode, version: version, folder: folder, through: item.entry.name, until: reply.deadline)
    }

    /// Fetches a folder's children's metadata that the index lacks, in one go: once per folder
    /// (later calls join the fetch under way, or return at once when it is done), page by page
    /// in name order with coalesced reads. Waits until the children up to `through` (all for
    /// nil) are done, or `deadline`; the fetch goes on in the background after that.
    func folderMetadata(_ inode: InodeNumber, version: Version, folder: EntryRecord, through: String?, until deadline: DispatchTime) {
        let (fetch, starts) = handles.withLock { state -> (FolderFetch?, Bool) in
            if let running = state.folderFetches[inode] { return (running, false) }
            if state.prefetchedFolders.contains(inode) { return (nil, false) }
            let fetch = FolderFetch()
            state.folderFetches[inode] = fetch
            return (fetch, true)
        }
        guard let fetch else { return }
        if starts {
            let backup = backup
            let versionID = version.record.id
            let folderID = folder.id
            let pageSize = Self.prefetchPage
            Self.folderQueue.async {
                // A few folders at a time: a cold `ls -lR` of a huge tree moves on faster than
                // they finish, and those must not pile up (memory, threads, connections).
                Self.folderPrefetchSlots.wait()
                defer { Self.folderPrefetchSlots.signal() }
                var after: String?
                while let page = try? backup.catalog.childrenWithMetadata(version: versionID, parent: folderID, after: after, limit: pageSize),
                      let last = page.last {
                    backup.fetchMetadata(of: page)
                    fetch.advance(through: last.entry.name)
                    guard page.count == pageSize else { break }
                    after = last.entry.name
                }
                self.handles.withLock { state in
                    if state.prefetchedFolders.count >= Self.rememberedFolders { state.prefetchedFolders.removeAll() }
                    state.prefetchedFolders.insert(inode)
                    state.folderFetches[inode] = nil
                    state.lookedUp[inode] = nil
                }
                fetch.finish()
            }
        }
        fetch.wait(through: through, until: deadline)
    }
}
