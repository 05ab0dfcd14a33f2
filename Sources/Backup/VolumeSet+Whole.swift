import AESCrypt
import ByteSource
import DuplicatiFormat
import Storage
import Zip

extension VolumeSet {
    /// Volumes read whole (tar, GPG) kept decoded in memory, in bytes (the oldest go first; the newest always stays).
    static let decodedBudget: Int64 = 256 << 20
    /// The largest decompressed tar accepted (a bound against a hostile stream).
    static let tarLimit = 4 << 30

    /// The stream format of a tar volume, or nil for other containers.
    static func tarFormat(_ name: VolumeName) -> WholeStream.Format? {
        switch name.compression {
        case "tgz": .gzip
        case "tzstd": .zstd
        default: nil
        }
    }

    /// The plaintext of a volume that cannot be read by range: a tar volume (format §4.3) or a
    /// GPG one (§3.5). Downloaded whole (the disk cache keeps the download), decrypted (AES
    /// Crypt with its HMAC checked, or by gpg), a tar decompressed, its index checked against
    /// the tar headers and laid out as a zip of stored entries in index order (so the zip
    /// reader, and the record placements kept in the index, work on it as on any volume; the
    /// layout is the same every time). Kept in memory within ``decodedBudget``.
    /// - Throws: ``BackupError``; storage errors pass through.
    func wholePlaintext(_ file: RemoteFile, name parsed: VolumeName, uncached: Bool, parts: Int = 1) throws -> any ByteSource {
        let name = file.name
        if !uncached, let kept = decodedSource(name) { return kept }
        let raw = try uncached ? store.openUncached(file) : store.open(file)
        var bytes = try Self.readAll(raw, size: file.size, parts: parts)
        guard bytes.count == Int(file.size) else {
            throw BackupError.damagedVolume(name: name, reason: "shorter than listed (\(bytes.count) of \(file.size) bytes)")
        }
        switch parsed.encryption {
        case nil: break
        case "aes": bytes = try decryptWhole(bytes, name: name)
        case "gpg":
            guard let gpg else { throw BackupError.unsupported("\(name): GPG volumes need the gpg program, which is not installed") }
            guard let passphrase else { throw BackupError.passphraseRequired }
            bytes = try gpg.decrypt(bytes, passphrase: passphrase, volume: name)
        case let other?:
            throw BackupError.unsupported("\(name): \(other) encryption is not read")
        }
        if let format = Self.tarFormat(parsed) {
            bytes = try Self.zipOfTar(bytes, format: format, name: name)
        }
        let source = ByteArraySource(bytes)
        if !uncached { keepDecoded(source, name) }
        return source
    }

    /// Whether a volume must be read whole: a tar container or GPG encryption.
    static func isReadWhole(_ name: VolumeName) -> Bool {
        tarFormat(name) != nil || name.encryption == "gpg"
    }

    /// Decrypts a whole AES Crypt volume, checking its HMAC (keys kept per volume).
    private func decryptWhole(_ bytes: [UInt8], name: String) throws -> [UInt8] {
        do {
            let keys: AESCryptKeys
            if let cached = state.withLock({ $0.keys[name] }) {
                keys = cached
            } else {
                guard let passphrase else { throw BackupError.passphraseRequired }
                keys = try AESCryptReader(ciphertext: ByteArraySource(bytes), passphrase: passphrase).keys
                state.withLock { $0.keys[name] = keys }
            }
            return try AESCrypt.decrypt(bytes, keys: keys)
        } catch let error as AESCryptError {
            throw Self.translate(error, volume: name)
        }
    }

    /// A tar volume's plaintext as a zip of stored entries, in the order of its index.
    /// - Parameters:
    ///   - compressed: the plaintext volume (one gzip or zstd stream).
    ///   - format: which.
    ///   - name: the volume's name, for errors.
    /// - Throws: ``BackupError/damagedVolume(name:reason:)``.
    static func zipOfTar(_ compressed: [UInt8], format: WholeStream.Format, name: String) throws -> [UInt8] {
        let tar: [UInt8]
        let index: TarVolumeIndex
        do {
            tar = try WholeStream.decompress(compressed, format: format, limit: tarLimit, name: name)
            index = try TarVolumeIndex.parse(tar)
        } catch let error as ZipError {
            throw BackupError.damagedVolume(name: name, reason: "\(error)")
        } catch let error as DuplicatiFormatError {
            throw BackupError.damagedVolume(name: name, reason: "\(error)")
        }
        var writer = ZipWriter()
        for entry in index.entries {
            writer.add(entry.name, Array(tar[entry.offset..<(entry.offset + entry.size)]), method: .stored)
        }
        return writer.finish()
    }

    private func decodedSource(_ name: String) -> ByteArraySource? {
        state.withLock { state in
            guard let source = state.decoded[name] else { return nil }
            if let i = state.recentDecoded.lastIndex(of: name) { state.recentDecoded.remove(at: i) }
            state.recentDecoded.append(name)
            return source
        }
    }

    private func keepDecoded(_ source: ByteArraySource, _ name: String) {
        state.withLock { state in
            if let old = state.decoded.updateValue(source, forKey: name) {
                state.decodedBytes -= old.size
                state.recentDecoded.removeAll { $0 == name }
            }
            state.recentDecoded.append(name)
            state.decodedBytes += source.size
            while state.recentDecoded.count > 1 && state.decodedBytes > Self.decodedBudget {
                if let evicted = state.decoded.removeValue(forKey: state.recentDecoded.removeFirst()) {
                    state.decodedBytes -= evicted.size
                }
            }
        }
    }
}
