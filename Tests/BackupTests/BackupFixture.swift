import Backup
import ByteSource
import Foundation
import Logging
import Storage
import Synchronization
import TestSupport

/// A backup written by the fixture writer into a fresh temporary folder, plus helpers to open it.
struct BackupFixture {
    let root: URL
    var backupDirectory: URL { root.appendingPathComponent("backup") }
    var cacheRoot: String { root.appendingPathComponent(cacheName).path }
    /// The cache folder's name under `root`.
    var cacheName = "cache"
    let passphrase: String?
    /// The GnuPG home of a GPG fixture's keyring (and gpg-agent), nil for others.
    let gnupgHome: String?

    init(options: FixtureOptions = SampleBackup.defaultOptions, write: (URL, FixtureOptions) throws -> Void = { dir, options in
        try SampleBackup.write(to: dir, options: options)
    }) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        passphrase = options.encryption.passphrase
        if case .gpg(_, _, let home) = options.encryption { gnupgHome = home } else { gnupgHome = nil }
        try write(root.appendingPathComponent("backup"), options)
    }

    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// The same backup with a cache folder of its own.
    static func reusing(_ fixture: BackupFixture, cache: String) -> BackupFixture {
        var copy = fixture
        copy.cacheName = cache
        return copy
    }

    func open(passphrase: String? = nil, store: (any BackendStore)? = nil) throws -> Backup {
        try Backup.open(
            store: store ?? LocalDirectoryStore(path: backupDirectory.path),
            options: {
                var options = BackupOptions(cacheRoot: cacheRoot, passphrase: passphrase ?? self.passphrase)
                options.gnupgHome = gnupgHome
                return options
            }(),
            logger: Self.logger)
    }

    func target(_ name: String) -> URL { root.appendingPathComponent(name) }
}

/// A store that counts what is read through it.
final class CountingStore: BackendStore {
    let inner: LocalDirectoryStore
    let opens = Mutex<[String]>([])
    let bytes = Mutex<Int64>(0)
    let reads = Mutex(0)

    init(_ inner: LocalDirectoryStore) { self.inner = inner }

    var displayName: String { inner.displayName }
    var identity: String { inner.identity }
    func list() throws -> [RemoteFile] { try inner.list() }
    func open(_ file: RemoteFile) throws -> any ByteSource {
        opens.withLock { $0.append(file.name) }
        return CountingSource(inner: try inner.open(file), bytes: self)
    }

    struct CountingSource: ByteSource {
        let inner: any ByteSource
        let bytes: CountingStore
        var size: Int64 { inner.size }
        func read(at offset: Int64, count: Int) throws -> [UInt8] {
            let data = try inner.read(at: offset, count: count)
            bytes.bytes.withLock { $0 += Int64(data.count) }
            bytes.reads.withLock { $0 += 1 }
            return data
        }
    }
}

/// A folder store whose reads pass through a hook that may fail them or change their bytes: a
/// network or storage fault, or a recorder, for one test.
class InterposedStore: BackendStore, @unchecked Sendable {  // immutable: lets only
    /// Sees every read: the file's name, the offset and length asked for, and the bytes read,
    /// which it may change or replace with an error.
    typealias Hook = @Sendable (_ name: String, _ offset: Int64, _ count: Int, _ bytes: inout [UInt8]) throws -> Void

    let inner: LocalDirectoryStore
    let hook: Hook

    init(_ inner: LocalDirectoryStore, hook: @escaping Hook) {
        self.inner = inner
        self.hook = hook
    }

    var displayName: String { inner.displayName }
    var identity: String { inner.identity }
    func list() throws -> [RemoteFile] { try inner.list() }
    func open(_ file: RemoteFile) throws -> any ByteSource {
        Source(inner: try inner.open(file), name: file.name, hook: hook)
    }

    struct Source: ByteSource {
        let inner: any ByteSource
        let name: String
        let hook: Hook
        var size: Int64 { inner.size }
        func read(at offset: Int64, count: Int) throws -> [UInt8] {
            var bytes = try inner.read(at: offset, count: count)
            try hook(name, offset, count, &bytes)
            return bytes
        }
    }
}

/// A switch tests turn while other threads read it.
final class Flag: Sendable {
    private let state: Mutex<Bool>
    init(_ value: Bool) { state = Mutex(value) }
    var isOn: Bool { state.withLock { $0 } }
    func set(_ value: Bool) { state.withLock { $0 = value } }
}
