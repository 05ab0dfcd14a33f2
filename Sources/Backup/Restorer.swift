import Catalog
import Digests
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Choices for a restore.
package struct RestoreOptions: Sendable {
    /// Replace files that already exist at the destination.
    package var overwrite = false
    /// Set owners from the backup (only possible as root).
    package var restoreOwners = getuid() == 0
    /// Restore set-user-id and set-group-id bits, file capabilities (`security.capability`)
    /// and `trusted.*` attributes as the backup has them (`--no-special-bits` turns it off).
    package var specialBits = true

    package init(overwrite: Bool = false, specialBits: Bool = true) {
        self.overwrite = overwrite
        self.specialBits = specialBits
    }
}

/// What a restore did.
package struct RestoreSummary: Sendable {
    package var files = 0
    package var folders = 0
    package var symlinks = 0
    package var bytes: Int64 = 0
    /// Items left alone because they exist (without `--overwrite`).
    package var skipped: [String] = []
    /// Items that could not be restored, with the reason.
    package var failed: [(path: String, reason: String)] = []
    /// Items restored without their metadata (it could not be read).
    package var metadataMissing: [String] = []
    /// Extended attributes that could not be set (e.g. `security.*` without root), one
    /// message each; the items themselves are restored.
    package var attributeWarnings: [String] = []
    /// How many entries asked for the version's file list holds but its tree left out
    /// (unreadable, unusable path, too deep, duplicate).
    package var unreadableCount = 0
    /// The first few of them (at most ``Restorer/unreadableExamples``).
    package var unreadable: [SkippedEntry] = []
    /// Why the version's file list could not be read to the end, when it could not: what it
    /// held after that point is missing from the restore.
    package var versionDamage: String?

    /// Whether anything asked for is missing from the target: failed, unreadable, or in the
    /// damaged part of the file list.
    package var isIncomplete: Bool { !failed.isEmpty || unreadableCount > 0 || versionDamage != nil }
}

/// Restores entries of a version into a target folder, verifying every block hash and every file
/// hash, then setting modes, times, extended attributes and (as root) owners. A file that fails is reported and the
/// rest goes on.
package final class Restorer {
    let backup: Backup
    private let target: TargetDirectory
    let options: RestoreOptions
    private let progress: (BackupProgress) -> Void
    private var summary = RestoreSummary()
    private var versionTime: Int64 = 0
    /// Fetches the coming files' blocks ahead of the writes, across files.
    private var lookahead: RestoreLookahead?
    /// How many entries of the skipped list a summary shows.
    static let unreadableExamples = 5

    /// - Parameters:
    ///   - backup: the opened backup.
    ///   - target: the folder to restore into (created if missing).
    ///   - options: overwrite and owners.
    ///   - progress: called after each file.
    /// - Throws: ``BackupError/local(_:)`` when the target cannot be opened.
    package init(backup: Backup, target: String, options: RestoreOptions, progress: @escaping (BackupProgress) -> Void = { _ in }) throws {
        self.backup = backup
        self.target = try TargetDirectory(path: target)
        self.options = options
        self.progress = progress
    }

    /// Restores the given paths (each with everything below it) of a version.
    /// - Parameters:
    ///   - version: the version.
    ///   - paths: components of each path; `[]` is the whole version.
    /// - Returns: what was done and what failed.
    /// - Throws: ``BackupError/noSuchPath(_:)`` before anything is written if a path is missing;
    ///   ``BackupError/wrongPassphrase``.
    package func restore(version: VersionRecord, paths: [[String]]) throws -> RestoreSummary {
        versionTime = version.time
        let roots = try paths.map { (try backup.entry(version: version, components: $0), $0) }
        var total = 0
        var totalBytes: Int64 = 0
        for (entry, components) in roots {
            try backup.walk(entry, path: components) { item, _ in
                if item.kind == .file {
                    total += 1
                    totalBytes += max(0, item.size)
                }
                return true
            }
        }
        let lookahead = RestoreLookahead(backup: backup)
        self.lookahead = lookahead
        lookahead.start(roots)
        defer {
            lookahead.stop()
            self.lookahead = nil
        }
        var done = 0
        var doneBytes: Int64 = 0
        for (entry, components) in roots {
            // The folder above the root stays open, and so does each folder while the walk is in
            // it: every item is written through its parent's descriptor.
            let chain: OpenFolderChain
            do {
                chain = try OpenFolderChain(base: target.openFolder(components.dropLast()))
            } catch let error as BackupError {
                record(failure: error.description, path: components)
                continue
            }
            try backup.walk(entry, path: components, { item, path in
                let descend = try restoreItem(item, path: path, chain: chain)
                if item.kind == .file {
                    lookahead.consumed(item)
                    done += 1
                    doneBytes += max(0, item.size)
                    progress(BackupProgress(phase: "Restoring", done: done, total: total, bytesDone: doneBytes, bytesTotal: totalBytes))
                }
                return descend
            }, leave: { folder, path in
                guard !path.isEmpty else { return }
                finishFolder(folder, path: path, fd: chain.current)
                try chain.leave()
            })
        }
        noteUnreadable(version: version, paths: paths)
        summary.versionDamage = version.damage
        return summary
    }

    /// Counts the entries of the version's file list that lie in what was asked for but are
    /// not in its tree; entries whose place is unknown count for the whole version only.
    private func noteUnreadable(version: VersionRecord, paths: [[String]]) {
        guard version.skippedCount > 0 else { return }
        let places: [[String]?] = paths.contains([]) ? [nil] : paths
        for place in places {
            guard let found = try? backup.catalog.skippedEntries(
                version: version.id, under: place, examples: Self.unreadableExamples) else { continue }
            summary.unreadableCount += found.count
            summary.unreadable += found.examples.prefix(Self.unreadableExamples - summary.unreadable.count)
        }
        for entry in summary.unreadable {
            backup.logger.error("\(entry.location ?? entry.path): not restored: \(entry.reason)")
        }
    }

    private func display(_ path: [String]) -> String { "/" + path.joined(separator: "/") }

    /// Restores one item into the chain's current folder (a folder is entered).
    /// - Returns: whether the walk should go into its children.
    private func restoreItem(_ entry: EntryRecord, path: [String], chain: OpenFolderChain) throws -> Bool {
        do {
            switch entry.kind {
            case .folder:
                // The target itself (a whole-version restore) is the chain's base.
                if let name = path.last {
                    try chain.enter(name)
                    summary.folders += 1
                }
                if let children = try? backup.catalog.children(version: entry.version, parent: entry.id, limit: 10_000) {
                    backup.prefetchMetadata(of: children)
                }
                return true
            case .file:
                try restoreFile(entry, path: path, parent: chain.current)
            case .symlink:
                try restoreSymlink(entry, path: path, parent: chain.current)
            }
        } catch let error as BackupError {
            if case .wrongPassphrase = error { throw error }
            record(failure: error.description, path: path)
        }
        return false
    }

    private func record(failure: String, path: [String]) {
        summary.failed.append((display(path), failure))
        backup.logger.error("\(display(path)): \(failure)")
    }

    /// The entry's attributes; records entries whose metadata could not be read.
    private func attributes(_ entry: EntryRecord, path: [String]) -> EntryAttributes {
        let (attributes, problem) = backup.attributes(of: entry, versionTime: versionTime)
        if let problem {
            summary.metadataMissing.append(display(path))
            backup.logger.error("\(display(path)): metadata unavailable (\(problem)); its mode, owner and times are not restored")
        }
        return attributes
    }

    /// The name an item gets in its parent folder; nil when something is there and must be
    /// left alone.
    private func destination(_ path: [String], in parent: Int32) throws -> String? {
        guard let name = path.last else { throw BackupError.local("cannot restore the root as a file") }
        try TargetDirectory.checkName(name)
        if let kind = TargetDirectory.existing(parent, name) {
            if !options.overwrite {
                summary.skipped.append(display(path))
                return nil
            }
            if kind == S_IFDIR {
                throw BackupError.local("a folder is in the way")
            }
        }
        return name
    }

    private func restoreFile(_ entry: EntryRecord, path: [String], parent: Int32) throws {
        guard let name = try destination(path, in: parent) else { return }
        let temporary = TargetDirectory.temporaryName(for: name)
        // A partial file left by an interrupted run is replaced (never followed if a symlink).
        unlinkat(parent, temporary, 0)
        let fd = openat(parent, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.local("cannot create file: \(TargetDirectory.reason())") }
        var keep = false
        defer {
            close(fd)
            if !keep { unlinkat(parent, temporary, 0) }
        }
        lookahead?.waitIfFetching(entry)
        let hashes = try backup.blockHashes(of: entry)
        let digest = backup.format.fileHash.makeDigest()
        var written: Int64 = 0
        // Fetch ahead in batches that fit the memory cache twice, with coalesced reads.
        let batch = max(1, backup.blockCache.capacityBytes / 2 / backup.format.blocksize)
        for index in hashes.indices {
            if index % batch == 0, hashes.count > 1 {
                backup.prefetch(Array(hashes[index..<min(hashes.count, index + batch)]))
            }
            let data = try backup.contentBlock(hashes, index: index, size: entry.size, path: entry.storedPath)
            digest.update(data)
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = pwrite(fd, buffer.baseAddress! + offset, buffer.count - offset, off_t(written) + off_t(offset))
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw BackupError.local("write failed: \(TargetDirectory.reason())")
                    }
                    offset += n
                }
            }
            written += Int64(data.count)
        }
        guard written == entry.size else {
            throw BackupError.inconsistent("\(entry.storedPath): restored \(written) bytes, expected \(entry.size)")
        }
        let actual = Data(digest.finalize()).base64EncodedString()
        guard actual == entry.hash else { throw BackupError.fileHashMismatch(path: entry.storedPath) }
        let attributes = attributes(entry, path: path)
        // Without its metadata the file keeps the private mode and the time it was written
        // with: nothing made up is applied (the summary lists it).
        if attributes.complete { apply(attributes, of: entry, path: path, to: fd) }
        guard renameat(parent, temporary, parent, name) == 0 else {
            throw BackupError.local("cannot move file into place: \(TargetDirectory.reason())")
        }
        keep = true
        summary.files += 1
        summary.bytes += entry.size
    }

    private func restoreSymlink(_ entry: EntryRecord, path: [String], parent: Int32) throws {
        let attributes = attributes(entry, path: path)
        guard let linkTarget = attributes.symlinkTarget else {
            throw BackupError.inconsistent("symlink target unavailable")
        }
        guard let name = try destination(path, in: parent) else { return }
        let temporary = TargetDirectory.temporaryName(for: name)
        unlinkat(parent, temporary, 0)
        guard symlinkat(linkTarget, parent, temporary) == 0 else {
            throw BackupError.local("cannot create symlink: \(TargetDirectory.reason())")
        }
        if options.restoreOwners {
            fchownat(parent, temporary, attributes.uid, attributes.gid, AT_SYMLINK_NOFOLLOW)
        }
        // No `lsetxattrat`: the link is reached through the folder's descriptor.
        let linkPath = "/proc/self/fd/\(parent)/\(temporary)"
        summary.attributeWarnings += restoreExtendedAttributes(entry, attributes: attributes, path: display(path)) {
            ExtendedAttributeCall.set(path: linkPath, name: $0, value: $1)
        }
        var times = Self.times(attributes)
        utimensat(parent, temporary, &times, AT_SYMLINK_NOFOLLOW)
        guard renameat(parent, temporary, parent, name) == 0 else {
            let why = TargetDirectory.reason()
            unlinkat(parent, temporary, 0)
            throw BackupError.local("cannot move symlink into place: \(why)")
        }
        summary.symlinks += 1
    }

    /// Sets a folder's owner, attributes, mode and times once everything in it is written.
    private func finishFolder(_ entry: EntryRecord, path: [String], fd: Int32) {
        guard entry.listed else { return }
        let attributes = attributes(entry, path: path)
        guard attributes.complete else { return }
        apply(attributes, of: entry, path: path, to: fd)
    }

    /// Owner (as root), extended attributes, mode and times, through an open descriptor.
    private func apply(_ attributes: EntryAttributes, of entry: EntryRecord, path: [String], to fd: Int32) {
        if options.restoreOwners { fchown(fd, attributes.uid, attributes.gid) }
        // After chown, which clears set-id bits and `security.capability`.
        summary.attributeWarnings += restoreExtendedAttributes(entry, attributes: attributes, path: display(path)) {
            ExtendedAttributeCall.set(descriptor: fd, name: $0, value: $1)
        }
        fchmod(fd, permissions(attributes))
        var times = Self.times(attributes)
        futimens(fd, &times)
    }

    /// Access and modification times: the backup keeps only the last-write time.
    static func times(_ attributes: EntryAttributes) -> [timespec] {
        let mtime = timespec(tv_sec: Int(attributes.mtimeSeconds), tv_nsec: Int(attributes.mtimeNanoseconds))
        return [mtime, mtime]
    }
}
