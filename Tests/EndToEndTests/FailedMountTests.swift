import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A mount that fails after the backup is open (a FUSE option the kernel refuses) while the
/// background indexing is busy, and a log file someone planted in the cache folder.
@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable, "needs /dev/fuse, fusermount3 and the built dupfs"))
final class FailedMountTests {
    let root: URL
    let backup: URL

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-failmount")
        backup = root.appendingPathComponent("backup")
        // Many encrypted versions: the background thread has file lists and index files to
        // decrypt for a while after the newest version is read.
        var options = FixtureOptions(blocksize: 4096, volumeSize: 128 << 10)
        options.encryption = .aes(.v2, passphrase: "fail")
        let writer = try FixtureBackupWriter(directory: backup, options: options)
        var generator = SeededGenerator(seed: "failed-mount")
        for version in 0..<16 {
            var entries = [FixtureEntry(path: "/data", content: .folder)]
            for i in 0..<80 {
                let bytes = (0..<Int.random(in: 0...9000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                entries.append(FixtureEntry(path: "/data/file-\(i)-v\(version).bin", content: .file(bytes)))
            }
            try writer.addVersion(entries, time: Date(timeIntervalSince1970: 1_700_000_000 + Double(version) * 86_400))
        }
        try Data("fail\n".utf8).write(to: root.appendingPathComponent("pass"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("mnt"), withIntermediateDirectories: true)
    }

    deinit {
        MountHarness.unmount(root.appendingPathComponent("mnt").path)
        try? FileManager.default.removeItem(at: root)
    }

    struct Run {
        let status: Int32
        let exited: Bool
        let stderr: String
        let hung: Bool
    }

    /// Runs dupfs with a deadline (a hang is killed and reported as such).
    /// - Parameter asNobody: run as uid and gid 65534 (through setpriv).
    func run(_ arguments: [String], asNobody: Bool = false, seconds: Double = 60) throws -> Run {
        let process = Process()
        let dupfs = DupfsProcess.binDirectory.appendingPathComponent("dupfs")
        if asNobody {
            process.executableURL = URL(fileURLWithPath: Self.setpriv)
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", try binaryForNobody().path] + arguments
        } else {
            process.executableURL = dupfs
            process.arguments = arguments
        }
        let errors = root.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let handle = try FileHandle(forWritingTo: errors)
        process.standardError = handle
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let hung = process.isRunning
        if hung { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try handle.close()
        let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        return Run(status: process.terminationStatus, exited: process.terminationReason == .exit, stderr: text, hung: hung)
    }

    /// Processes whose command line mentions our folder (a mount child left behind), and
    /// backtracers started for a crash.
    func leftovers() -> [String] {
        var found: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(name) != nil {
            guard Int32(name) != getpid() else { continue }
            let commandLine = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(name)/cmdline"))) ?? Data()
            let text = String(decoding: commandLine.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            if text.contains(root.path) {
                let state = (try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8)) ?? ""
                if !state.contains(") Z ") { found.append("\(name): \(text)") }
            }
        }
        return found
    }

    func backtracers() -> Set<String> {
        var found = Set<String>()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(name) != nil {
            let command = (try? String(contentsOfFile: "/proc/\(name)/comm", encoding: .utf8)) ?? ""
            if command.hasPrefix("swift-backtrace") { found.insert(name) }
        }
        return found
    }

    /// A copy of dupfs that uid 65534 can reach: the build folder may lie below one only root
    /// may enter (a clone in `mktemp -d`), and the background mount starts the binary again by
    /// its path.
    func binaryForNobody() throws -> URL {
        let copy = root.appendingPathComponent("bin/dupfs")
        if !FileManager.default.fileExists(atPath: copy.path) {
            try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: DupfsProcess.binDirectory.appendingPathComponent("dupfs"), to: copy)
            chmod(copy.deletingLastPathComponent().path, 0o755)
            chmod(copy.path, 0o755)
        }
        return copy
    }

    static let setpriv = "/usr/bin/setpriv"
    static var canRunAsNobody: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv) }

    @Test func aRefusedFuseOptionEndsCleanlyEveryTime() throws {
        try failedMountsEndCleanly(tries: 10, expecting: 64, message: "no_such_fuse_option") { attempt in
            (["--cache-dir", root.appendingPathComponent("cache-\(attempt)").path,
              "-o", "no_such_fuse_option"], root.appendingPathComponent("mnt").path, false)
        }
    }

    /// fusermount3 (setuid) mounts for users; here /dev/fuse is root's alone, as on a machine
    /// where the user is not in the fuse group.
    @Test(.enabled(if: canRunAsNobody, "needs root and setpriv to run as another user"))
    func aMountAnUnprivilegedUserMayNotMakeEndsCleanlyEveryTime() throws {
        var info = stat()
        try #require(stat("/dev/fuse", &info) == 0)
        try #require(info.st_mode & 0o006 == 0, "/dev/fuse is open to every user here: nothing fails")
        let own = root.appendingPathComponent("nobody")
        try FileManager.default.createDirectory(at: own.appendingPathComponent("mnt"), withIntermediateDirectories: true)
        #expect(chown(own.path, 65534, 65534) == 0 && chown(own.appendingPathComponent("mnt").path, 65534, 65534) == 0)
        try failedMountsEndCleanly(tries: 6, expecting: 74, message: "/dev/fuse") { attempt in
            (["--cache-dir", own.appendingPathComponent("cache-\(attempt)").path], own.appendingPathComponent("mnt").path, true)
        }
    }

    /// Mounts that fail once the backup is open, alternately in the foreground and the
    /// background: each must end with `status` and a message holding `message`, in time, with
    /// no process left and no crash.
    func failedMountsEndCleanly(
        tries: Int, expecting status: Int32, message: String, _ setup: (Int) -> (arguments: [String], mountpoint: String, asNobody: Bool)
    ) throws {
        let before = backtracers()
        var problems: [String] = []
        for attempt in 0..<tries {
            let foreground = attempt % 2 == 0
            // A fresh cache each time, so the background indexing has the whole backup to do.
            let (extra, mountpoint, asNobody) = setup(attempt)
            var arguments = ["mount", backup.path, mountpoint, "--passphrase-file", root.appendingPathComponent("pass").path] + extra
            if foreground { arguments.append("-f") }
            let result = try run(arguments, asNobody: asNobody)
            let mode = foreground ? "-f" : "background"
            if result.hung { problems.append("\(mode) try \(attempt) hung") }
            if !result.exited || result.status != status {
                problems.append("\(mode) try \(attempt): status \(result.status) (exited: \(result.exited)): \(result.stderr.prefix(300))")
            }
            if !result.stderr.contains(message) {
                problems.append("\(mode) try \(attempt): the message does not say \(message): \(result.stderr.prefix(300))")
            }
            let deadline = Date().addingTimeInterval(20)
            while !leftovers().isEmpty && Date() < deadline { usleep(50_000) }
            problems += leftovers().map { "\(mode) try \(attempt) left \($0)" }
        }
        let started = backtracers().subtracting(before)
        #expect(started.isEmpty, "crash backtracers running: \(started)")
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func aPlantedLogSymlinkInTheCacheFolderIsRefused() throws {
        let cache = root.appendingPathComponent("cache-log").path
        #expect(mkdir(cache, 0o700) == 0)
        let victim = root.appendingPathComponent("victim").path
        _ = FileManager.default.createFile(atPath: victim, contents: Data("untouched\n".utf8))
        #expect(symlink(victim, cache + "/mount.log") == 0)
        let mountpoint = root.appendingPathComponent("mnt").path
        let result = try run([
            "mount", backup.path, mountpoint, "--cache-dir", cache, "--passphrase-file", root.appendingPathComponent("pass").path,
            "--log-level", "debug",
        ])
        defer { MountHarness.unmount(mountpoint) }
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains(cache + "/mount.log") && result.stderr.contains("symbolic link"), "\(result.stderr)")
        #expect(!MountHarness.isMounted(mountpoint))
        #expect(FileManager.default.contents(atPath: victim) == Data("untouched\n".utf8), "the mount wrote through the symlink")
    }
}
