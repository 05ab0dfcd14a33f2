import Catalog
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Reads one version's file list into the index, on the connection kept for that.
struct FileListSource: Sendable {
    let indexer: Indexer
    let format: BackupFormat

    /// Reads the dlist unless it is in the index already.
    /// - Throws: as ``Backup/requireFileList(of:)``.
    func read(volumeID: Int64) throws {
        guard let volume = try indexer.catalog.volume(id: volumeID), volume.state == .pending else { return }
        indexer.progress(BackupProgress(phase: "Reading file list \(volume.name)", done: 0, total: 1, bytesDone: 0, bytesTotal: volume.size))
        defer { indexer.progress(BackupProgress(phase: "Reading file list \(volume.name)", done: 1, total: 1, bytesDone: volume.size, bytesTotal: volume.size)) }
        do {
            _ = try indexer.readOneFileList(volume, format: format)
        } catch let error as BackupError where !Indexer.concernsWholeBackup(error) {
            // Stored as a damaged version: read, as far as it goes.
            return
        } catch let error as BackupError {
            throw error
        } catch is CancellationError {
            throw BackupError.fileListUnavailable(volume: volume.name, reason: "the mount is ending")
        } catch {
            throw BackupError.fileListUnavailable(volume: volume.name, reason: "\(error)")
        }
    }

    /// The background's first step: the newest version's list, when the index lacks it.
    func readNewest(_ loader: FileListLoader, work: BackgroundIndexing, logger: Logger) {
        guard let newest = try? indexer.catalog.volumes().filter({ $0.kind == "dlist" }).max(by: { $0.name < $1.name }),
              !loader.isRead(newest.id), !work.isStopping
        else { return }
        do {
            try loader.require(newest.id, urgent: false) { try read(volumeID: newest.id) }
        } catch {
            if !work.isStopping { logger.warning("file list \(newest.name) could not be read in the background (\(error)); it is read again when its version is opened") }
        }
    }

    /// The background's pass: every list not read yet, newest first, at a lower CPU priority,
    /// stepping aside whenever a request waits for a list.
    func readAll(_ loader: FileListLoader, work: BackgroundIndexing, logger: Logger) {
        // This thread only: on Linux a nice value is per thread (setpriority(2), BUGS), and
        // who 0 is the calling thread; requests keep their priority.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        guard let lists = try? indexer.catalog.volumes().filter({ $0.kind == "dlist" }).sorted(by: { $0.name > $1.name })
        else { return }
        for volume in lists where !loader.isRead(volume.id) {
            while loader.hasUrgentWork {
                guard work.pause(seconds: 0.05) else { return }
            }
            if work.isStopping { return }
            do {
                try loader.require(volume.id, urgent: false) { try read(volumeID: volume.id) }
            } catch {
                if !work.isStopping { logger.warning("file list \(volume.name) could not be read in the background (\(error)); it is read again when its version is opened") }
            }
        }
    }
}
