import AESCrypt
import ByteSource
import DuplicatiFormat
import Foundation
import Storage
import Synchronization
import Zip

/// Opens the backup's remote volumes as zip archives, decrypting by range when they are
/// encrypted. Keeps each volume's keys (one key derivation per volume) and a few recently used
/// zip directories.
package final class VolumeSet: Sendable {
    let store: any BackendStore
    let passphrase: String?
    private let state: Mutex<State>
    private let archiveLimit: Int

    struct State {
        var files: [String: RemoteFile] = [:]
        var keys: [String: AESCryptKeys] = [:]
        var archives: [String: ZipArchive] = [:]
        var recent: [String] = []
    }

    /// Volumes read entirely are downloaded in one request up to this size.
    static let wholeDownloadLimit: Int64 = 64 << 20

    init(store: any BackendStore, passphrase: String?, archiveLimit: Int = 64) {
        self.store = store
        self.passphrase = passphrase
        self.archiveLimit = archiveLimit
        self.state = Mutex(State())
    }

    /// Replaces the known listing.
    func setListing(_ files: [RemoteFile]) {
        state.withLock { state in
            state.files = Dictionary(files.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The listed file with this name.
    func file(named name: String) -> RemoteFile? {
        state.withLock { $0.files[name] }
    }

    /// The plaintext of a volume as a random-access source.
    /// - Throws: ``BackupError``; storage errors pass through.
    /// - Parameters:
    ///   - name: the volume.
    ///   - whole: it will be read entirely (a file list or index file): download it in one
    ///     request into memory instead of many ranged reads, when it is not huge.
    func plaintext(_ name: String, whole: Bool = false) throws -> any ByteSource {
        guard let file = file(named: name) else {
            throw BackupError.damagedVolume(name: name, reason: "not in the remote folder")
        }
        guard let parsed = VolumeName(name) else {
            throw BackupError.damagedVolume(name: name, reason: "not a volume name")
        }
        var raw = try store.open(file)
        if whole && file.size <= Self.wholeDownloadLimit {
            let bytes = try raw.read(at: 0, count: Int(file.size))
            guard bytes.count == Int(file.size) else {
                throw BackupError.damagedVolume(name: name, reason: "shorter than listed (\(bytes.count) of \(file.size) bytes)")
            }
            raw = ByteArraySource(bytes)
        }
        switch parsed.encryption?.lowercased() {
        case nil:
            return raw
        case "aes":
            let cached = state.withLock { $0.keys[name] }
            do {
                if let cached {
                    return try AESCryptReader(ciphertext: raw, keys: cached)
                }
                guard let passphrase else { throw BackupError.passphraseRequired }
                let reader = try AESCryptReader(ciphertext: raw, passphrase: passphrase)
                state.withLock { $0.keys[name] = reader.keys }
                return reader
            } catch let error as AESCryptError {
                throw Self.translate(error, volume: name)
            }
        case let other?:
            throw BackupError.unsupported("\(other) encryption (\(name)); only AES Crypt (.aes) volumes can be read")
        }
    }

    static func translate(_ error: AESCryptError, volume: String) -> BackupError {
        switch error {
        case .wrongPassphrase: .wrongPassphrase
        case .notAESCrypt: .damagedVolume(name: volume, reason: "not an AES Crypt file")
        case .unsupportedVersion(let v): .damagedVolume(name: volume, reason: "AES Crypt version \(v) is not supported")
        case .truncated: .damagedVolume(name: volume, reason: "truncated")
        case .authenticationFailed: .damagedVolume(name: volume, reason: "contents fail the HMAC check (corrupted)")
        case .malformed(let why): .damagedVolume(name: volume, reason: why)
        }
    }

    /// Checks the whole-file HMAC of an encrypted volume (reads all of it).
    func verifyAuthentication(_ name: String, source: any ByteSource) throws {
        guard let reader = source as? AESCryptReader else { return }
        do { try reader.verifyAuthentication() } catch let error as AESCryptError {
            throw Self.translate(error, volume: name)
        }
    }

    /// A volume's zip directory, opened once and kept while used.
    func archive(_ name: String) throws -> ZipArchive {
        if let cached = state.withLock({ state -> ZipArchive? in
            guard let archive = state.archives[name] else { return nil }
            if let i = state.recent.firstIndex(of: name) { state.recent.remove(at: i) }
            state.recent.append(name)
            return archive
        }) {
            return cached
        }
        let source = try plaintext(name)
        let archive = try Self.openZip(source, name: name)
        state.withLock { state in
            state.archives[name] = archive
            state.recent.append(name)
            while state.recent.count > archiveLimit {
                state.archives[state.recent.removeFirst()] = nil
            }
        }
        return archive
    }

    /// Opens a zip over a plaintext source, translating its errors.
    static func openZip(_ source: any ByteSource, name: String) throws -> ZipArchive {
        do {
            return try ZipArchive(source: source)
        } catch let error as ZipError {
            throw BackupError.damagedVolume(name: name, reason: "zip: \(error)")
        } catch let error as AESCryptError {
            throw translate(error, volume: name)
        }
    }

    /// Forgets a volume's cached directory (after it proved wrong).
    func forget(_ name: String) {
        state.withLock { state in
            state.archives[name] = nil
            state.recent.removeAll { $0 == name }
        }
    }
}
