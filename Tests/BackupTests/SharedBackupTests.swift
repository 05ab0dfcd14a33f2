import Backup
import Digests
import Foundation
import Logging
import Storage
import Testing
import TestSupport

@Suite(.enabled(if: SharedTestdata.available, "../shared/testdata is absent (a user's clone)"))
struct SharedBackupTests {
    static func manifest(_ n: Int) throws -> (number: Int, entries: [SharedTestdata.Entry]) {
        try SharedTestdata.manifest(n)
    }

    static func open(cache: URL) throws -> Backup {
        try Backup.open(
            store: LocalDirectoryStore(path: SharedTestdata.small.appendingPathComponent("backup").path),
            options: BackupOptions(cacheRoot: cache.path, passphrase: SharedTestdata.passphrase),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    @Test(arguments: [1, 2, 3])
    func everyVersionRestoresByteIdenticalWithModesAndMtimes(manifestNumber: Int) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let backup = try Self.open(cache: work.appendingPathComponent("cache"))
        let (number, entries) = try Self.manifest(manifestNumber)
        let version = try backup.version(number)
        let target = work.appendingPathComponent("out")
        let summary = try Restorer(backup: backup, target: target.path, options: RestoreOptions()).restore(version: version, paths: [[]])
        #expect(summary.failed.isEmpty, "\(summary.failed)")
        #expect(summary.files == entries.filter { $0.type == "File" }.count)
        let problems = SharedTestdata.differences(entries, under: target.path)
        #expect(problems.isEmpty, "\(problems.prefix(10))")
    }

    @Test func versionsAreNumberedNewestFirstWithTheirTimes() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let backup = try Self.open(cache: work)
        let versions = try backup.versions()
        #expect(versions.count == 3)
        #expect(versions.map(\.time) == [1_709_287_200, 1_706_781_600, 1_704_103_200])
        for n in 1...3 {
            let (number, entries) = try Self.manifest(n)
            #expect(versions[number].fileCount == Int64(entries.filter { $0.type == "File" }.count))
        }
    }
}
