import Catalog
import DuplicatiFormat
import Foundation
import Zip

/// Reading file lists (dlists) into versions. One entry that cannot be used costs that entry
/// alone (recorded with its place and reason, so every later command reports it); a list that
/// cannot be read to the end keeps its version, marked damaged, with what came before.
extension Indexer {
    /// The first phase: new dlists (versions and trees), newest first. A dlist that cannot be
    /// read at all is kept as a damaged version without entries, one read part of the way as a
    /// damaged version with what came before; either way the other versions are read.
    /// - Parameters:
    ///   - encrypted: whether the passphrase must be checked.
    ///   - newestOnly: read only the newest dlist (and older ones only until one of them gives
    ///     the backup's format); the others are read when their version is first needed.
    /// - Returns: the backup's format.
    func readFileLists(encrypted: Bool, newestOnly: Bool = false) throws -> BackupFormat {
        let all = try catalog.volumes()
        let lists = all.filter { $0.kind == "dlist" }.sorted { $0.name > $1.name }
        let pendingLists = lists.filter { $0.state == .pending }
        let pendingIndexes = all.filter { $0.kind == "dindex" && $0.state == .pending }
        let total = (newestOnly ? min(1, pendingLists.count) : pendingLists.count) + pendingIndexes.count
        var done = 0
        var format = try storedFormat()
        var firstFailure: BackupError?
        let listBytesTotal = pendingLists.prefix(newestOnly ? 1 : Int.max).reduce(Int64(0)) { $0 + $1.size }
        var listBytesDone: Int64 = 0
        for volume in pendingLists {
            if isCancelled() { throw CancellationError() }
            if newestOnly, format != nil, volume.name != lists.first?.name { break }
            progress(BackupProgress(
                phase: "Reading file lists", done: done, total: total, bytesDone: listBytesDone, bytesTotal: listBytesTotal))
            listBytesDone += volume.size
            do {
                format = try readOneFileList(volume, format: format) ?? format
            } catch let error as BackupError {
                if Self.concernsWholeBackup(error) { throw error }
                firstFailure = firstFailure ?? error
            }
            done += 1
        }
        if encrypted && done == 0, let newest = lists.first {
            // Nothing read, but the passphrase must still be right: open one header.
            _ = try volumes.plaintext(newest.name)
        }
        guard let format else {
            // Say why (a GPG key missing from the keyring, say), not only that none could be read.
            throw BackupError.noBackupFound("no file list (dlist) of this backup could be read" + (firstFailure.map { " (\($0))" } ?? ""))
        }
        return format
    }

    /// The backup's format without reading a whole file list, for a mount that lists its version
    /// folders before any list is read: the format the index keeps, else the manifest of the
    /// newest dlist that has one (read by range: its zip directory and manifest entry). The
    /// passphrase is checked on the way (opening the newest dlist's header).
    /// - Returns: the format; nil when no dlist's manifest could be read this way (the caller
    ///   then reads lists as ``readFileLists(encrypted:newestOnly:)`` does, which says why).
    func readFormatOnly(encrypted: Bool) throws -> BackupFormat? {
        let lists = try catalog.volumes().filter { $0.kind == "dlist" }.sorted { $0.name > $1.name }
        guard let newest = lists.first else { return nil }
        if let stored = try storedFormat() {
            if encrypted { _ = try volumes.plaintext(newest.name) }
            return stored
        }
        for volume in lists {
            if isCancelled() { throw CancellationError() }
            do {
                return try checkManifest(try volumes.archive(volume.name), volume: volume.name, format: nil)
            } catch let error as BackupError where !Self.concernsWholeBackup(error) {
                continue
            }
        }
        return nil
    }

    /// Reads one dlist into its version. A list that cannot be read (damaged, not a dlist) is
    /// stored as a damaged version and its error thrown after; failures that concern the whole
    /// backup (passphrase, format) and those that may pass (storage) are thrown with nothing
    /// stored.
    /// - Returns: the format its manifest gives; nil when it could not be read.
    func readOneFileList(_ volume: VolumeRecord, format: BackupFormat?) throws -> BackupFormat? {
        do {
            return try readFileList(volume, format: format)
        } catch let error as BackupError {
            if Self.concernsWholeBackup(error) { throw error }
            logger.error("\(error)")
            try storeUnreadable(volume, reason: error.description)
            throw error
        }
    }

    /// Whether a failure to read a list is one no other list of the backup would escape.
    static func concernsWholeBackup(_ error: BackupError) -> Bool {
        switch error {
        case .wrongPassphrase, .passphraseRequired, .inconsistent, .unsupported: true
        default: false
        }
    }

    /// Keeps a dlist that could not be opened as a damaged version without entries (so that it
    /// is listed as damaged, not missing, and later versions keep their numbers); the next run
    /// reads it again.
    private func storeUnreadable(_ volume: VolumeRecord, reason: String) throws {
        guard let time = VolumeName(volume.name)?.time else {
            try catalog.setVolumeState(volume.id, .failed)
            return
        }
        try catalog.storeVersion(volumeID: volume.id, time: Int64(time.timeIntervalSince1970), isFullBackup: true) { builder in
            builder.markDamaged(reason)
        }
    }

    private func readFileList(_ volume: VolumeRecord, format: BackupFormat?) throws -> BackupFormat {
        guard let name = VolumeName(volume.name), let time = name.time else {
            throw BackupError.damagedVolume(name: volume.name, reason: "not a dlist name")
        }
        let source = try volumes.plaintext(volume.name, whole: true)
        try volumes.verifyAuthentication(volume.name, source: source)
        let archive = try VolumeSet.openZip(source, name: volume.name)
        let found = try checkManifest(archive, volume: volume.name, format: format)
        var isFull = true
        if let entry = archive.entry(named: "fileset") {
            do {
                isFull = try Fileset.parse(try archive.read(entry, limit: 1 << 20)).isFullBackup
            } catch {
                logger.warning("\(volume.name): unreadable fileset entry (\(error)); treating it as a full backup")
            }
        }
        let seconds = Int64(time.timeIntervalSince1970)
        try catalog.storeVersion(volumeID: volume.id, time: seconds, isFullBackup: isFull) { builder in
            guard let list = archive.entry(named: "filelist.json") else {
                builder.markDamaged("\(volume.name) has no filelist.json")
                return
            }
            var reader = FilelistReader()
            do {
                try archive.stream(list) { chunk in
                    try reader.consume(chunk, { entry in try add(entry, to: builder) }, unusable: { object in
                        // Where it was, as far as its path can be read, so that a restore of
                        // that place knows it lost something.
                        try builder.skip(
                            storedPath: object.path ?? "(no readable path; object at byte \(object.offset))",
                            components: object.path.flatMap(SourcePath.components(of:)),
                            reason: "unreadable entry: \(Self.describe(object.reason))")
                    })
                }
                try reader.finish()
            } catch let error as DuplicatiFormatError {
                builder.markDamaged("filelist.json: \(Self.describe(error))")
            } catch let error as ZipError {
                // An entry in a compression method not read here is no damage: say which.
                let translated = VolumeSet.translate(error, volume: volume.name, entry: "filelist.json")
                if case .unsupported = translated { throw translated }
                builder.markDamaged("filelist.json: \(error)")
            }
            if let damage = builder.damage {
                logger.error("\(volume.name): \(damage); the version keeps the \(builder.fileCount) files read before")
            }
            if let first = builder.firstSkipped {
                // A hostile path may be 60,000 characters: the log gets its ends.
                let path = first.path.count > 300 ? "\(first.path.prefix(150))...\(first.path.suffix(150))" : first.path
                logger.warning("\(volume.name): \(builder.skippedCount) entries left out of the version, e.g. \(path.debugDescription): \(first.reason)")
            }
        }
        return found
    }

    /// A format error in words.
    static func describe(_ error: DuplicatiFormatError) -> String {
        switch error {
        case .malformedJSON(let message): "bad JSON (\(message))"
        case .missingField(let field): "no \(field)"
        case .unsupportedManifestVersion(let version): "manifest version \(version)"
        case .invalidValue(let message): "invalid value (\(message))"
        case .entryTooLarge(let limit): "an object over \(limit) bytes"
        }
    }

    private func add(_ entry: FilelistEntry, to builder: VersionBuilder) throws {
        guard let components = SourcePath.components(of: entry.path) else {
            try builder.skip(storedPath: entry.path, components: nil,
                             reason: "its path is relative or tries to leave its folder (.., NUL, / in a Windows name)")
            return
        }
        let kind: EntryKindCode
        switch entry.kind {
        case .file: kind = .file
        case .folder: kind = .folder
        case .symlink: kind = .symlink
        }
        if kind != .folder && components.isEmpty {
            try builder.skip(storedPath: entry.path, components: components, reason: "a file or symlink in place of the root")
            return
        }
        try builder.add(
            components: components, kind: kind, size: kind == .file ? max(0, entry.size) : 0, hash: entry.hash,
            blocklists: entry.blocklists, blockhash: entry.blockhash, metahash: entry.metahash,
            metasize: entry.metasize, metablocklists: entry.metablocklists, metablockhash: entry.metablockhash,
            storedPath: entry.path, listTime: entry.time.flatMap(SerializedDateTime.unixSeconds(from:)))
    }
}
