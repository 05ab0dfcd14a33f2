import ArgumentParser
import Backup
import FetchPlanner
import Foundation
import Logging
import PCloud
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// Options every command that opens a backup shares.
struct BackupArguments: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "The backup: file:///path, a plain folder path, or pcloud://api.pcloud.com/Folder (EU: eapi.pcloud.com). "
            + "Not given with --duplicati-config.",
        valueName: "url"))
    var urlArgument: String?

    @Option(name: .long, help: ArgumentHelp(
        "Take the backup's location, passphrase, prefix and encryption from this Duplicati job export "
            + "(Export > To file; an encrypted .aes export asks for its password, or DUPFS_CONFIG_PASSPHRASE). "
            + "Options given on the command line win.",
        valueName: "file"))
    var duplicatiConfig: String?

    @Option(name: .long, help: ArgumentHelp(
        "Run this shell command (/bin/sh -c) and take the first line it prints as the passphrase; "
            + "a non-zero exit status is an error.",
        valueName: "command"))
    var passphraseCommand: String?

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Show progress (bytes, rate, elapsed and time left): a redrawn line on a terminal, else a summary line "
            + "every 15 s. Default: on."))
    var progress: Bool?

    @Option(name: .long, help: ArgumentHelp(
        "Read the passphrase from this file (first line). Otherwise DUPFS_PASSPHRASE, or a prompt on a terminal.",
        valueName: "file"))
    var passphraseFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "Where the local index lives (default: $XDG_CACHE_HOME/dupfs or ~/.cache/dupfs).", valueName: "dir"))
    var cacheDir: String?

    @Option(name: .long, help: ArgumentHelp(
        "The backup's file name prefix (default: duplicati, or the only one present).", valueName: "prefix"))
    var prefix: String?

    @Option(name: .long, help: ArgumentHelp(
        "Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "warning"

    @Option(name: .long, help: ArgumentHelp(
        "Read the pCloud access token from this file (else ?authid= in the URL, or PCLOUD_AUTHID).", valueName: "file"))
    var authidFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "Send pCloud API calls here instead of the URL's host, e.g. https://127.0.0.1:8443 (env DUPFS_PCLOUD_API).",
        valueName: "url"))
    var pcloudApi: String?

    @Option(name: .long, help: ArgumentHelp("Trust this PEM CA bundle for HTTPS instead of the system's.", valueName: "file"))
    var caFile: String?

    @Option(name: .long, help: ArgumentHelp(
        "Longest time in seconds any one storage request may take, retries included (default: 120; mount: 60).",
        valueName: "seconds"))
    var ioTimeout: Double?

    /// Secrets handed over by a parent process (the background mount); they win over every other source.
    var handedPassphrase: String?
    var handedToken: String?
    /// The Duplicati job export named by `--duplicati-config`, read by ``validate()``.
    var job: DuplicatiJob?

    enum CodingKeys: String, CodingKey {
        case urlArgument
        case passphraseFile, cacheDir, prefix, logLevel, authidFile, pcloudApi, caFile, ioTimeout
        case duplicatiConfig, passphraseCommand, progress
    }

    /// The backup location: the job file's when `--duplicati-config` is given (the command then
    /// reads its first argument as what follows the URL), else the URL argument.
    var url: String { job?.targetURL ?? urlArgument ?? "" }

    /// `--prefix`, else the job file's.
    var effectivePrefix: String? { prefix ?? job?.prefix }

    mutating func validate() throws {
        if let duplicatiConfig {
            do {
                job = try DuplicatiJob.load(path: duplicatiConfig)
            } catch {
                throw Failure.exit(for: error)
            }
        } else if urlArgument == nil {
            throw ValidationError("Missing expected argument '<url>'")
        }
    }

    /// With `--duplicati-config` there is no URL argument: what was parsed as the URL is the
    /// command's next argument.
    var argumentAfterURL: String? { duplicatiConfig == nil ? nil : urlArgument }

    /// How progress shows for this command (`--progress`, `--no-progress`, or by stderr).
    func progressDisplay(status: (@Sendable (String) -> Void)? = nil) -> ProgressDisplay {
        ProgressDisplay(choice: progress, status: status)
    }

    /// The cache root: `--cache-dir` made absolute against the working folder (so that a
    /// relative one means the same in the mount's background process), else the default.
    var cacheRoot: String {
        cacheDir.map(CacheLocation.absolute) ?? CacheLocation.defaultRoot()
    }

    /// A logger writing to stderr at the chosen level.
    func makeLogger() throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw UsageError(message: "unknown log level '\(logLevel)'")
        }
        return Logger(label: "dupfs") { _ in StderrLogHandler(logLevel: level) }
    }

    /// The first line of a small secret file.
    static func firstLine(of path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError(message: "cannot read \(what) \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw UsageError(message: "\(what) \(path) is not UTF-8 text")
        }
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }

    /// The pCloud token: handed over by a parent, else `--authid-file`, else `?authid=` in the
    /// URL, else `PCLOUD_AUTHID`; nil for other locations or when none is given.
    func resolvedToken() throws -> String? {
        guard case .pcloud(_, _, let urlToken) = try BackendLocation(parsing: url) else { return nil }
        if let handedToken { return handedToken }
        if let authidFile { return try Self.firstLine(of: authidFile, what: "authid file") }
        if let urlToken { return urlToken }
        if let handed = EnvironmentSecrets.token, !handed.isEmpty { return handed }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PCLOUD_AUTHID"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return nil
    }

    /// The store the URL names.
    func makeStore(logger: Logger) throws -> any BackendStore {
        switch try BackendLocation(parsing: url) {
        case .folder(let path):
            var info = stat()
            guard stat(path, &info) == 0 else { throw StorageError.folderNotFound(path) }
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw StorageError.invalidLocation("\(path) is not a folder")
            }
            return LocalDirectoryStore(path: path)
        case .pcloud(let host, let folder, _):
            let environment = ProcessInfo.processInfo.environment
            let token = try resolvedToken()
            let api = pcloudApi ?? environment["DUPFS_PCLOUD_API"].flatMap { $0.isEmpty ? nil : $0 }
            if let api, !(api.hasPrefix("https://") || api.hasPrefix("http://")) {
                throw UsageError(message: "--pcloud-api must be an http:// or https:// URL")
            }
            if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
                throw UsageError(message: "cannot read CA file \(caFile)")
            }
            var configuration = PCloudConfiguration(host: host, folder: folder, token: token, apiBase: api, caFile: caFile)
            if let ioTimeout {
                let budget = max(1, ioTimeout)
                configuration.retry.maxTotalTime = budget
                configuration.timeouts.total = budget
                // A transfer crawling under 1 KiB/s for a quarter of the budget is given up and
                // retried (most often on a fresh connection that is fine): waiting it out would
                // spend the whole budget on one attempt, however small the range.
                configuration.timeouts.stall = min(configuration.timeouts.stall, max(1, budget / 4))
                configuration.timeouts.connect = min(configuration.timeouts.connect, budget)
            }
            return try PCloudStore(configuration: configuration, logger: logger)
        }
    }

    /// The passphrase from the file or the environment (taken out of the environment at start,
    /// see ``EnvironmentSecrets``); nil if neither gives one.
    func passphrase() throws -> String? {
        if let handedPassphrase { return handedPassphrase }
        if let passphraseFile {
            return try Self.firstLine(of: passphraseFile, what: "passphrase file")
        }
        if let passphraseCommand { return try PassphraseCommand.run(passphraseCommand) }
        if let job, !job.noEncryption, let fromJob = job.passphrase { return fromJob }
        if let handed = EnvironmentSecrets.passphrase { return handed }
        // Only when re-executing failed: at least no child process inherits it.
        if let value = ProcessInfo.processInfo.environment["DUPFS_PASSPHRASE"] {
            unsetenv("DUPFS_PASSPHRASE")
            return value
        }
        return nil
    }

    /// Opens the backup, asking for the passphrase on the terminal when it is needed and was not given.
    func open(
        logger: Logger, blockCacheSize: Int = 64 << 20, interactive: Bool = true, diskCacheSize: Int64? = nil,
        blockIndexing: BackupOptions.BlockIndexing = .now, statusReport: (@Sendable (String) -> Void)? = nil
    ) throws -> Backup {
        var backgroundProgress: (@Sendable (BackupProgress) -> Void)?
        if let statusReport, blockIndexing == .background {
            // After open returns, only the status (systemd's STATUS=) hears of the indexing left.
            let display = ProgressDisplay(choice: false, status: statusReport)
            backgroundProgress = display.callback
        }
        var store = try makeStore(logger: logger)
        // Downloads are timed for the fetch planner (inside the disk cache: only real ones).
        let meter = LinkMeter(initial: store is LocalDirectoryStore ? .local : .remote)
        if !(store is LocalDirectoryStore) { store = MeteredStore(inner: store, meter: meter) }
        if let diskCacheSize, !(store is LocalDirectoryStore) {
            // Downloads are kept (still encrypted) beside the index of this location.
            let location = CacheLocation(root: cacheRoot, identity: store.identity, prefix: "")
            try location.create()
            store = try DiskCachedStore(inner: store, directory: location.directory + "/volumes", limit: diskCacheSize)
        }
        var options = BackupOptions(cacheRoot: cacheRoot, prefix: effectivePrefix, passphrase: try passphrase(), blockCacheSize: blockCacheSize)
        options.blockIndexing = blockIndexing
        options.linkMeter = meter
        options.backgroundProgress = backgroundProgress
        guard interactive else {
            return try Backup.open(store: store, options: options, logger: logger)
        }
        let display = progressDisplay(status: statusReport)
        do {
            defer { display.clear() }
            return try Backup.open(store: store, options: options, logger: logger, progress: display.callback)
        } catch BackupError.passphraseRequired where isatty(STDIN_FILENO) == 1 {
            guard let typed = PassphrasePrompt.read("Passphrase for \(store.displayName): ") else {
                throw BackupError.passphraseRequired
            }
            options.passphrase = typed
            defer { display.clear() }
            return try Backup.open(store: store, options: options, logger: logger, progress: display.callback)
        }
    }
}

/// Reads a passphrase from the terminal without echo.
enum PassphrasePrompt {
    static func read(_ prompt: String) -> String? {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        var old = termios()
        let hasTerm = tcgetattr(fd, &old) == 0
        if hasTerm {
            var quiet = old
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer {
            if hasTerm { tcsetattr(fd, TCSAFLUSH, &old) }
            _ = write(fd, "\n", 1)
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(fd, &byte, 1) == 1 {
            if byte == 10 || byte == 13 { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
