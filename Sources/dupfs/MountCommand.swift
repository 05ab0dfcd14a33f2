import ArgumentParser
import Backup
import BackupFS
import Foundation
import FuseKit
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `dupfs mount URL MOUNTPOINT`: every version of the backup as a read-only folder.
struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount the backup read-only: one folder per version (2024-03-01T10:00:00Z), and latest.",
        discussion: """
            Returns once the filesystem is mounted; it keeps running in the background until \
            unmounted (fusermount3 -u MOUNTPOINT, or umount as root). With -f it stays in the \
            foreground and unmounts on Ctrl-C or SIGTERM. Nothing is downloaded until it is read; \
            every block is checked against its hash before it is returned.
            """)

    @OptionGroup var backupArguments: BackupArguments

    @Argument(help: ArgumentHelp("An empty folder to mount on.", valueName: "mountpoint"))
    var mountpointArgument: String?

    /// The mountpoint: with `--duplicati-config` there is no URL, so it was parsed as one.
    var mountpoint: String { backupArguments.argumentAfterURL ?? mountpointArgument ?? "" }

    @Flag(name: [.customShort("f"), .long], help: "Stay in the foreground (log to stderr unless --log-file).")
    var foreground = false

    @Option(name: .customShort("o"), help: ArgumentHelp(
        "FUSE mount options, comma-separated (allow_other, default_permissions, ...).", valueName: "options"))
    var fuseOptions: [String] = []

    @Option(name: .long, help: ArgumentHelp("Memory for decrypted blocks, e.g. 256M (default 128M).", valueName: "size"))
    var memoryCache: String = "128M"

    @Option(name: .long, help: ArgumentHelp(
        "Disk space for downloaded (still encrypted) volume data, e.g. 2G (default 2G).", valueName: "size"))
    var cacheSize: String = "2G"

    @Option(name: .long, help: ArgumentHelp("Log file (default: mount.log in the backup's cache folder).", valueName: "file"))
    var logFile: String?

    @Flag(name: .long, help: ArgumentHelp(
        "Also show history/: the union of every version's tree, each file or symlink P a folder history/P/ "
            + "holding one entry per version where P changed, named like the version folders (reads every version's file list)."))
    var history = false

    @Option(name: .long, help: .hidden)
    var readyFd: Int32?

    @Option(name: .long, help: .hidden)
    var secretsFd: Int32?

    func validate() throws {
        if backupArguments.duplicatiConfig != nil && mountpointArgument != nil {
            throw ValidationError("with --duplicati-config give no URL: dupfs mount --duplicati-config FILE MOUNTPOINT")
        }
        if mountpoint.isEmpty { throw ValidationError("Missing expected argument '<mountpoint>'") }
    }

    mutating func run() throws {
        do {
            try validateMountpoint()
            if let secretsFd { try receiveSecrets(from: secretsFd) }
            if foreground || readyFd != nil {
                try runFilesystem()
            } else {
                try startInBackground()
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            if let readyFd {
                let (message, status) = Failure.describe(error)
                Readiness.report(fd: readyFd, status: status.rawValue, message: message)
                throw ExitCode(status.rawValue)
            }
            throw Failure.exit(for: error)
        }
    }

    // MARK: Checks

    func validateMountpoint() throws {
        var info = stat()
        guard stat(mountpoint, &info) == 0 else {
            if errno == ENOTCONN {
                throw UsageError(message: "\(mountpoint) is a dead FUSE mount; clear it with: fusermount3 -u \(mountpoint)")
            }
            throw UsageError(message: "mountpoint \(mountpoint) does not exist; create an empty folder there first")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw UsageError(message: "mountpoint \(mountpoint) is not a folder") }
        if let cacheRoot = realpath(backupArguments.cacheRoot),
           let mount = realpath(mountpoint) {
            if mount == cacheRoot || mount.hasPrefix(cacheRoot + "/") || cacheRoot.hasPrefix(mount + "/") {
                throw UsageError(message: "mountpoint \(mountpoint) is inside (or holds) the cache folder \(cacheRoot); choose another")
            }
        }
    }

    private func realpath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `-o a,b -o c` as `[a, b, c]`.
    var splitFuseOptions: [String] {
        fuseOptions.flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
    }

    // MARK: Foreground

    /// How long a mount waits for the newest version's file list before it reports ready.
    static let newestListWait = 1.0

    func runFilesystem() throws {
        let logger = try makeLogger()
        var backupArguments = backupArguments
        // No FUSE request may wait longer than this on the network.
        backupArguments.ioTimeout = backupArguments.ioTimeout ?? 60
        let notifier = readyFd == nil ? SystemdNotifier.fromEnvironment : nil
        var statusReport: (@Sendable (String) -> Void)?
        if let notifier { statusReport = { line in notifier.send("STATUS=" + line) } }
        let backup = try backupArguments.open(
            logger: logger, blockCacheSize: try Sizes.parse(memoryCache, what: "--memory-cache"),
            interactive: readyFd == nil, diskCacheSize: Int64(try Sizes.parse(cacheSize, what: "--cache-size")),
            blockIndexing: .background, statusReport: statusReport)
        // However this ends (a refused FUSE option, an unmount), the indexing thread is stopped
        // and joined first: exiting under it crashed in exit-time cleanup.
        let ioTimeout = backupArguments.ioTimeout ?? 60
        defer {
            if !backup.stopBackgroundWork(timeout: ioTimeout + 10) {
                logger.warning("the background indexing did not stop within \(Int(ioTimeout + 10)) s")
            }
        }
        let filesystem = try BackupFilesystem(backup: backup, logger: logger, history: history)
        var options = splitFuseOptions
        let allowOther = options.contains("allow_other")
        options.removeAll { $0 == "allow_other" || $0 == "ro" || $0 == "rw" }
        let session = try FuseSession(
            mountpoint: mountpoint,
            options: FuseSession.standardOptions(fsname: backup.store.displayName, subtype: "dupfs", allowOther: allowOther, extra: options),
            filesystem: filesystem, logger: logger,
            // The one time rule: every request is answered within --io-timeout of its arrival
            // (EIO when storage could not deliver by then).
            requestTimeout: backupArguments.ioTimeout ?? 60)
        // SIGTERM (systemctl stop) ends the loop; systemd hears STOPPING=1 first.
        let signals = try TerminationSignals { [weak session] _ in
            notifier?.send("STOPPING=1")
            session?.exit()
        }
        defer { signals.cancel() }
        // Ready once the newest version lists (its file list read in the background), or after a
        // second whatever its size: `ls latest/` right after a typical mount answers at once,
        // and a huge list (or a hundred versions' worth) never holds the mount up.
        backup.awaitNewestFileList(timeout: Self.newestListWait)
        logger.notice("mounted \(backup.store.displayName) at \(session.mountpoint) with \(filesystem.versionCount) versions")
        if let readyFd {
            Readiness.report(fd: readyFd, status: 0, message: session.mountpoint)
            Readiness.detachFromTerminal()
        } else if let notifier {
            // The root lists from here on: the versions are in the index and the session serves.
            notifier.send("READY=1\nSTATUS=mounted \(backup.store.displayName) at \(session.mountpoint)\nMAINPID=\(getpid())")
        } else {
            Terminal.note("dupfs: mounted \(backup.store.displayName) at \(session.mountpoint); Ctrl-C to unmount")
        }
        filesystem.startWarming()
        defer { filesystem.stopWarming() }
        try session.run()
        logger.notice("unmounted \(session.mountpoint)")
    }

    func makeLogger() throws -> Logger {
        guard let level = Logger.Level(rawValue: backupArguments.logLevel.lowercased()) else {
            throw UsageError(message: "unknown log level '\(backupArguments.logLevel)'")
        }
        if readyFd == nil && logFile == nil { return try backupArguments.makeLogger() }
        let handler = try FileLogHandler(
            path: logFile ?? defaultLogPath(), cacheRoot: logFile == nil ? backupArguments.cacheRoot : nil, level: level)
        return Logger(label: "dupfs") { _ in handler }
    }

    func defaultLogPath() -> String {
        backupArguments.cacheRoot + "/mount.log"
    }

    mutating func receiveSecrets(from fd: Int32) throws {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data += buffer[0..<n]
            if data.count > 1 << 20 { break }
        }
        close(fd)
        guard let object = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: String] else {
            throw UsageError(message: "could not receive the secrets from the parent process")
        }
        backupArguments.handedPassphrase = object["passphrase"]
        backupArguments.handedToken = object["authid"]
    }

    // MARK: Background

    /// Opens the backup here (so progress and errors reach the terminal), then re-executes
    /// `dupfs mount ... --foreground` detached, hands it the secrets through a pipe, and waits
    /// until it reports the mount ready or why it failed.
    func startInBackground() throws {
        let logger = try backupArguments.makeLogger()
        let passphrase = try backupArguments.passphrase()
        var arguments = backupArguments
        arguments.handedPassphrase = passphrase
        // Versions and the passphrase are checked here, with progress on the terminal; the mount
        // process finds the block locations in the background while it already serves.
        let backup = try arguments.open(
            logger: logger, diskCacheSize: Int64(try Sizes.parse(cacheSize, what: "--cache-size")), blockIndexing: .skip)
        let secrets: [String: String] = [
            "passphrase": backup.passphrase ?? passphrase ?? "",
            "authid": try arguments.resolvedToken() ?? "",
        ].filter { !$0.value.isEmpty }
        let child = try Readiness.spawnChild(arguments: childArguments(), secrets: secrets)
        switch child.wait(timeout: 300) {
        case .ready(let where_):
            print("dupfs: mounted \(backup.store.displayName) at \(where_) (pid \(child.pid)); unmount with: fusermount3 -u \(mountpoint)")
        case .failed(let status, let message):
            Terminal.error(message)
            throw ExitCode(status)
        case .died:
            Terminal.error("the mount process ended before the filesystem was ready; see \(logFile ?? defaultLogPath())")
            throw ExitStatus.internalError.code
        }
    }

    /// The arguments of the background process: the same, without secrets, in the foreground.
    func childArguments() -> [String] {
        var out = ["mount", BackupLocationText.withoutSecrets(backupArguments.url), mountpoint, "--ready-fd", "3", "--secrets-fd", "4"]
        if backupArguments.cacheDir != nil { out += ["--cache-dir", backupArguments.cacheRoot] }
        if let v = backupArguments.effectivePrefix { out += ["--prefix", v] }
        out += ["--log-level", backupArguments.logLevel]
        if let v = backupArguments.pcloudApi { out += ["--pcloud-api", v] }
        if let v = backupArguments.caFile { out += ["--ca-file", CacheLocation.absolute(v)] }
        if let v = backupArguments.ioTimeout { out += ["--io-timeout", String(v)] }
        for option in fuseOptions { out += ["-o", option] }
        if history { out.append("--history") }
        out += ["--memory-cache", memoryCache, "--cache-size", cacheSize]
        if let logFile { out += ["--log-file", CacheLocation.absolute(logFile)] }
        return out
    }
}
