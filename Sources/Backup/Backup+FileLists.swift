import Catalog
import Foundation

extension Backup {
    /// Makes sure a version's file list is in the index, reading it now when it is not: call
    /// before using a version's entries. Returns at once when the list was read (by this run or
    /// an earlier one); waits for a read under way (the background's, another request's); a list
    /// that turns out damaged is stored as a damaged version (``VersionRecord/damage``), which
    /// is no error here.
    /// - Parameter version: the version (a record from before its list was read is fine).
    /// - Throws: ``BackupError/fileListUnavailable(volume:reason:)`` when the list could not be
    ///   fetched now (a later call tries again); ``BackupError`` for what concerns the whole
    ///   backup (passphrase, format).
    package func requireFileList(of version: VersionRecord) throws {
        try fileLists.require(version.volumeID, urgent: true) {
            try fileListSource.read(volumeID: version.volumeID)
        }
    }

    /// Waits until the newest version's file list is in the index (read by the background, or
    /// now), but no longer than `timeout`: a mount reports itself ready then, so that `latest/`
    /// lists at once after a typical mount while a huge list never holds it up.
    /// - Returns: whether the list is in the index.
    @discardableResult
    package func awaitNewestFileList(timeout: Double) -> Bool {
        guard let newest = try? knownVersions().first else { return true }
        if isFileListRead(newest) { return true }
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            _ = try? self.requireFileList(of: newest)
            done.signal()
        }
        reader.name = "dupfs newest list"
        reader.start()
        _ = done.wait(timeout: .now() + timeout)
        return isFileListRead(newest)
    }

    /// Whether a version's file list is in the index (read by this run or an earlier one).
    package func isFileListRead(_ version: VersionRecord) -> Bool {
        fileLists.isRead(version.volumeID)
    }

    /// The versions whose file lists are not in the index yet, and their dlists' bytes (what
    /// reading them all would download).
    package func unreadFileLists() throws -> (versions: Int, bytes: Int64) {
        let pending = try knownVersions().filter { !fileLists.isRead($0.volumeID) }
        var bytes: Int64 = 0
        for version in pending { bytes += try catalog.volume(id: version.volumeID)?.size ?? 0 }
        return (pending.count, bytes)
    }

    /// Reads every file list the index lacks, newest first (for commands that show or check
    /// every version).
    /// - Parameter progress: called before each list.
    /// - Throws: as ``requireFileList(of:)``.
    package func requireAllFileLists(progress: (BackupProgress) -> Void = { _ in }) throws {
        let pending = try knownVersions().filter { !fileLists.isRead($0.volumeID) }
        for (done, version) in pending.enumerated() {
            progress(BackupProgress(phase: "Reading file lists", done: done, total: pending.count))
            try requireFileList(of: version)
        }
    }
}
