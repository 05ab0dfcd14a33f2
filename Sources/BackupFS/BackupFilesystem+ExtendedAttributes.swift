import Backup
import Catalog
import Foundation
import FuseKit

#if canImport(Glibc)
import Glibc
#endif

/// Extended attributes (`getxattr`, `listxattr`): those the backup stored as `unix-ext:`
/// metadata keys. `ls -l` asks for ACLs and security labels of every entry it lists and
/// `cp -a` lists every file's attributes, so entries known to have none (most of them) are
/// answered from memory, without a query.
extension BackupFilesystem {
    /// The most inodes remembered in ``withoutExtendedAttributes`` (about 4 MiB; then forgotten
    /// all at once: forgetting only costs a query per entry until they are listed again).
    static let rememberedWithoutExtendedAttributes = 262_144

    /// Remembers an entry whose metadata (as the index returned it) has no extended
    /// attributes; called for every entry a lookup or listing returns.
    func rememberIfWithoutExtendedAttributes(_ item: EntryWithMetadata, version: Version) {
        let none = item.entry.metahash == nil || item.metadata?.extendedAttributeCount == 0
        guard none else { return }
        let inode = InodeLayout.inode(versionKey: version.key, entryID: item.entry.id)
        withoutExtendedAttributes.withLock { known in
            if known.count >= Self.rememberedWithoutExtendedAttributes { known.removeAll(keepingCapacity: true) }
            known.insert(inode)
        }
    }

    /// Names that `ls -l` asks about for every entry it lists (the security label, POSIX ACLs).
    /// When an entry lacks one, the answer is "not supported" rather than "no such attribute":
    /// `ls` then stops asking for the rest of the mount (it remembers that per device), which
    /// saves a round trip per entry. Entries that have them still return them, and `cp -a` and
    /// `getfattr` go by `listxattr`, which lists them.
    static let askedOfEveryEntry: Set<[UInt8]> = Set(
        ["security.selinux", "system.posix_acl_access", "system.posix_acl_default"].map { Array($0.utf8) })

    /// The error for an attribute an entry does not have.
    static func absence(of name: [UInt8]) -> Errno {
        Errno(askedOfEveryEntry.contains(name) ? EOPNOTSUPP : ENODATA)
    }

    /// An attribute's value; `ENODATA` when the entry has no such attribute (`EOPNOTSUPP` for
    /// the names in ``askedOfEveryEntry``); `ENOENT` for an unknown inode; `EIO` when the
    /// entry's metadata cannot be read (so a copy never silently loses attributes).
    package func getxattr(inode: InodeNumber, name: [UInt8], size: Int, reply: PendingReply<[UInt8]>) {
        if deferredForFileList(inode, reply, retry: { self.getxattr(inode: inode, name: name, size: size, reply: reply) }) { return }
        let subject: (Version, EntryWithMetadata)?
        do throws(Errno) { subject = try extendedAttributeSubject(inode) } catch { return reply.fail(error) }
        guard let (version, entry) = subject else { return reply.fail(Self.absence(of: name)) }
        let text = String(decoding: name, as: UTF8.self)
        guard Array(text.utf8) == name, !name.isEmpty else { return reply.fail(Self.absence(of: name)) }
        if let metadata = entry.metadata {
            // Decoded before: the count says whether a query is needed at all.
            guard metadata.extendedAttributeCount > 0, let hash = entry.entry.metahash else { return reply.fail(Self.absence(of: name)) }
            do {
                guard let value = try backup.catalog.extendedAttribute(named: text, hash: hash) else { return reply.fail(Self.absence(of: name)) }
                return reply.succeed(value)
            } catch {
                logger.error("index lookup failed: \(error)")
                return reply.fail(Errno(EIO))
            }
        }
        later(reply) { () throws(Errno) -> [UInt8] in
            let attributes: [ExtendedAttributeRecord]
            do throws(Errno) {
                attributes = try self.fetchedExtendedAttributes(entry.entry, version: version)
            } catch {
                // `ls -l` asks these of every entry: while storage is failing it gets "not supported"
                // instead of an error line per file (`cp -a` and `getfattr` go by listxattr, which
                // still fails, so no copy silently loses attributes).
                if Self.askedOfEveryEntry.contains(name) { throw Errno(EOPNOTSUPP) }
                throw error
            }
            guard let found = attributes.first(where: { Array($0.name.utf8) == name }) else { throw Self.absence(of: name) }
            return found.value
        }
    }

    /// The attribute names, each followed by a NUL; empty when the entry has none; `ENOENT`
    /// for an unknown inode; `EIO` as for ``getxattr(inode:name:size:reply:)``.
    package func listxattr(inode: InodeNumber, size: Int, reply: PendingReply<[UInt8]>) {
        if deferredForFileList(inode, reply, retry: { self.listxattr(inode: inode, size: size, reply: reply) }) { return }
        let subject: (Version, EntryWithMetadata)?
        do throws(Errno) { subject = try extendedAttributeSubject(inode) } catch { return reply.fail(error) }
        guard let (version, entry) = subject else { return reply.succeed([]) }
        @Sendable func packed(_ attributes: [ExtendedAttributeRecord]) -> [UInt8] {
            var list: [UInt8] = []
            for attribute in attributes {
                list.append(contentsOf: attribute.name.utf8)
                list.append(0)
            }
            return list
        }
        if let metadata = entry.metadata, let hash = entry.entry.metahash {
            guard metadata.extendedAttributeCount > 0 else { return reply.succeed([]) }
            do {
                return reply.succeed(packed(try backup.catalog.extendedAttributes(hash: hash) ?? []))
            } catch {
                logger.error("index lookup failed: \(error)")
                return reply.fail(Errno(EIO))
            }
        }
        later(reply) { () throws(Errno) -> [UInt8] in
            packed(try self.fetchedExtendedAttributes(entry.entry, version: version))
        }
    }

    /// The entry an xattr request is about, or nil when it certainly has no attributes (the
    /// mount's own nodes, entries remembered without any, entries without metadata).
    private func extendedAttributeSubject(_ inode: InodeNumber) throws(Errno) -> (Version, EntryWithMetadata)? {
        if inode == InodeLayout.root || inode == InodeLayout.latest || isHistoryFolder(inode) { return nil }
        if withoutExtendedAttributes.withLock({ $0.contains(inode) }) { return nil }
        let (version, item) = try resolve(inode)
        if item.entry.id == 0 || item.entry.metahash == nil || item.metadata?.extendedAttributeCount == 0 {
            rememberIfWithoutExtendedAttributes(item, version: version)
            return nil
        }
        return (version, item)
    }

    /// The attributes of an entry whose metadata is not decoded yet: fetched (and kept in the
    /// index); call on a worker thread.
    private func fetchedExtendedAttributes(_ entry: EntryRecord, version: Version) throws(Errno) -> [ExtendedAttributeRecord] {
        do {
            let attributes = try backup.extendedAttributes(of: entry)
            if attributes.isEmpty {
                rememberIfWithoutExtendedAttributes(
                    EntryWithMetadata(entry: entry, metadata: MetadataRecord()), version: version)
            }
            return attributes
        } catch {
            logger.error("\(entry.storedPath): extended attributes unavailable: \(error)")
            throw Errno(EIO)
        }
    }
}
