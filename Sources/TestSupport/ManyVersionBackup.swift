import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes a backup of a ``ChurningTree`` with one dlist per version, fast enough for 100,000
/// files x 100 versions: only the entries that are new in a version (changed or added files)
/// are stored; every other record of the file list is the one written for an earlier version
/// (its blocks are already in the backup, as with Duplicati's deduplication).
package enum ManyVersionBackup {
    /// What a written backup holds, for the benchmark's bounds.
    package struct Counts: Sendable, Equatable, Codable {
        /// Number of versions (dlists).
        package var versions = 0
        /// Entries of the newest version's file list (folders and files).
        package var newestEntries = 0
        /// Files of the newest version.
        package var newestFiles = 0
        /// File bytes of the newest version.
        package var newestBytes = 0
        /// Distinct entries over all versions: an entry that is the same (path, kind, bytes,
        /// metadata) in several versions counts once.
        package var distinctEntries = 0
        /// (version, entry) pairs: the sum of every version's file-list length.
        package var memberships = 0

        /// Distinct entries over the newest version's entries (the D).
        package var distinctRatio: Double { Double(distinctEntries) / Double(max(newestEntries, 1)) }
    }

    /// Writes every version of a tree to a backup folder, oldest first.
    /// - Parameters:
    ///   - shape: the tree and its churn.
    ///   - directory: the backup folder (created; should be empty).
    ///   - options: volume settings; must deduplicate (the default).
    ///   - progress: called after each version with its index.
    /// - Returns: the counts, and the writer (its `dlistNames` name the versions, oldest first).
    /// - Throws: `FixtureError` when the options don't deduplicate or a volume can't be written.
    @discardableResult
    package static func write(
        _ shape: ChurningTree.Shape, to directory: URL, options: FixtureOptions, progress: (Int) -> Void = { _ in }
    ) throws -> (counts: Counts, writer: FixtureBackupWriter) {
        guard options.deduplicate else {
            throw FixtureError.invalidOptions("a many-version backup reuses stored blocks: deduplicate must be on")
        }
        let writer = try FixtureBackupWriter(directory: directory, options: options)
        var tree = ChurningTree(shape: shape)
        var counts = Counts()
        var folderRecords: [[UInt8]] = []
        // The file-list record of each file id's current bytes; nil once deleted.
        var records: [[UInt8]?] = []
        for index in 0..<shape.versions {
            if index > 0 { tree.advance() }
            writer.beginVersion(time: shape.time(ofVersion: index))
            if index == 0 {
                folderRecords = try tree.folderEntries.map { Array(try writer.store($0).utf8) }
                records = Array(repeating: nil, count: tree.fileIDsInPathOrder.count)
                for id in tree.fileIDsInPathOrder { records[id] = Array(try writer.store(tree.fileEntry(id)).utf8) }
            } else {
                for id in tree.lastChanged + tree.lastAdded {
                    let record = Array(try writer.store(tree.fileEntry(id)).utf8)
                    if id < records.count { records[id] = record } else { records.append(record) }
                }
            }
            let ids = tree.fileIDsInPathOrder
            try writer.finishVersion(filelist: filelist(folderRecords, ids.lazy.map { records[$0]! }))
            counts.memberships += tree.entryCount
            progress(index)
        }
        counts.versions = shape.versions
        counts.newestEntries = tree.entryCount
        counts.newestFiles = tree.fileCount
        counts.newestBytes = tree.fileIDsInPathOrder.reduce(0) { $0 + (tree.fileEntry($1).fileBytes?.count ?? 0) }
        counts.distinctEntries = tree.folderEntryCount + tree.distinctFiles
        return (counts, writer)
    }

    /// Writes a one-version backup of a tree's newest version (its own volumes): the
    /// benchmark's 1-version index.
    /// - Parameters:
    ///   - shape: the tree and its churn.
    ///   - directory: the backup folder (created; should be empty).
    ///   - options: volume settings.
    /// - Throws: `FixtureError` when a volume can't be written.
    package static func writeNewestAlone(_ shape: ChurningTree.Shape, to directory: URL, options: FixtureOptions) throws {
        var tree = ChurningTree(shape: shape)
        for _ in 1..<max(shape.versions, 1) { tree.advance() }
        let writer = try FixtureBackupWriter(directory: directory, options: options)
        writer.beginVersion(time: shape.time(ofVersion: shape.versions - 1))
        let folders = try tree.folderEntries.map { Array(try writer.store($0).utf8) }
        let files = try tree.fileIDsInPathOrder.map { Array(try writer.store(tree.fileEntry($0)).utf8) }
        try writer.finishVersion(filelist: filelist(folders, files))
    }

    /// Fills a folder with hard links to a backup's volumes and only its newest dlist: the
    /// same remote folder as it looked when the backup had one version (for comparing a cold
    /// listing of the newest version).
    /// - Parameters:
    ///   - backup: a backup folder written by ``write(_:to:options:progress:)``.
    ///   - directory: the folder to fill (created).
    /// - Throws: `FixtureError.io` when a link can't be made.
    package static func linkNewestOnly(from backup: URL, to directory: URL) throws {
        try PosixFS.makeDirectories(directory.path)
        let names = try FileManager.default.contentsOfDirectory(atPath: backup.path)
        let dlists = names.filter { $0.contains(".dlist.") }.sorted()
        for name in names where !name.contains(".dlist.") || name == dlists.last {
            let source = backup.appendingPathComponent(name).path
            let target = directory.appendingPathComponent(name).path
            guard link(source, target) == 0 || errno == EEXIST else {
                throw FixtureError.io(path: target, operation: "link", errno: errno)
            }
        }
    }

    /// The `filelist.json` array of records already in file-list order.
    private static func filelist(_ folders: [[UInt8]], _ files: some Sequence<[UInt8]>) -> [UInt8] {
        var out: [UInt8] = [0x5B]
        out.reserveCapacity(folders.count * 300 + files.underestimatedCount * 300)
        for record in folders {
            if out.count > 1 { out.append(0x2C) }
            out += record
        }
        for record in files {
            if out.count > 1 { out.append(0x2C) }
            out += record
        }
        out.append(0x5D)
        return out
    }
}
