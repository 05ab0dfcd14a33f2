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
    private var foldersToFinish: [([String], EntryRecord)] = []
    private var versionTime: Int64 = 0
    /// Fetches the coming files' blocks ahead of the writes, across files.
    private var lookahead: RestoreLookahead?

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
            try backup.walk(entry, path: components) { item, path in
                try restoreItem(item, path: path)
                if item.kind == .file {
                    lookahead.consumed(item)
                    done += 1
                    doneBytes += max(0, item.size)
                    progress(BackupProgress(phase: "Restoring", done: done, total: total, bytesDone: doneBytes, bytesTotal: totalBytes))
                }
                return true
            }
        }
        for (path, folder) in foldersToFinish.reversed() {
            finishFolder(folder, path: path)
        }
        return summary
    }

    private func display(_ path: [String]) -> String { "/" + path.joined(separator: "/") }

    private func restoreItem(_ entry: EntryRecord, path: [String]) throws {
        do {
            switch entry.kind {
            case .folder:
                let fd = try target.openFolder(path[...])
                close(fd)
                if let children = try? backup.catalog.children(version: entry.version, parent: entry.id, limit: 10_000) {
                    backup.prefetchMetadata(of: children)
                }
                if !path.isEmpty {
                    summary.folders += 1
                    foldersToFinish.append((path, entry))
                }
            case .file:
                try restoreFile(entry, path: path)
            case .symlink:
                try restoreSymlink(entry, path: path)
            }
        } catch let error as BackupError {
            if case .wrongPassphrase = error { throw error }
            record(failure: error.description, path: path)
        }
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

    /// Where an item goes: its parent folder's descriptor and its name; nil when it exists and
    /// must be left alone.
    private func destination(_ path: [String]) throws -> (Int32, String)? {
        guard let name = path.last else { throw BackupError.local("cannot restore the root as a file") }
        try TargetDirectory.checkName(name)
        let parent = try target.openFolder(path.dropLast())
        if let kind = TargetDirectory.existing(parent, name) {
            if !options.overwrite {
                summary.skipped.append(display(path))
                close(parent)
                return nil
            }
            if kind == S_IFDIR {
                close(parent)
                throw BackupError.local("a folder is in the way")
            }
        }
        return (parent, name)
    }

    private func restoreFile(_ entry: EntryRecord, path: [String]) throws {
        guard let (parent, name) = try destination(path) else { return }
        defer { close(parent) }
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

    private func restoreSymlink(_ entry: EntryRecord, path: [String]) throws {
        let attributes = attributes(entry, path: path)
        guard let linkTarget = attributes.symlinkTarget else {
            throw BackupError.inconsistent("symlink target unavailable")
        }
        guard let (parent, name) = try destination(path) else { return }
        defer { close(parent) }
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

    private func finishFolder(_ entry: EntryRecord, path: [String]) {
        guard entry.listed else { return }
        let attributes = attributes(entry, path: path)
        guard attributes.complete, let fd = try? target.openFolder(path[...]) else { return }
        defer { close(fd) }
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
