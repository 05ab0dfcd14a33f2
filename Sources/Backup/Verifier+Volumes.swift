import AESCrypt
import ByteSource
import Catalog
import Digests
import DuplicatiFormat
import Foundation
import Storage
import Zip

extension Verifier {
    /// A volume downloaded and opened.
    struct OpenedVolume {
        let archive: ZipArchive
        let spooled: SpooledVolume
    }

    /// Checks every volume of the folder: index files first (their claims are compared with
    /// the dblocks), then dblocks, then file lists.
    func checkVolumes() throws {
        // Volumes this reader cannot open are not checked: listed, with why, like damage (the
        // entries that need them are reported per version).
        for volume in backup.unreadableVolumes {
            report.damagedVolumes.append(.init(name: volume.name, kind: volume.kind, reason: volume.reason))
        }
        let records = try backup.catalog.volumes()
        let dblocks = records.filter { $0.kind == "dblock" }
        let byName = Dictionary(dblocks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let rank = ["dindex": 0, "dblock": 1, "dlist": 2]
        let ordered = records.sorted { a, b in
            let (ra, rb) = (rank[a.kind] ?? 3, rank[b.kind] ?? 3)
            return ra != rb ? ra < rb : a.name < b.name
        }
        let totalBytes = ordered.reduce(Int64(0)) { $0 + $1.size }
        var doneBytes: Int64 = 0
        for (i, volume) in ordered.enumerated() {
            progress(BackupProgress(
                phase: "Checking volumes", done: i, total: ordered.count, bytesDone: doneBytes, bytesTotal: totalBytes))
            defer { doneBytes += volume.size }
            switch volume.kind {
            case "dindex": try checkIndex(volume, dblocks: dblocks, byName: byName)
            case "dblock": try checkBlockVolume(volume)
            case "dlist": try checkFileList(volume)
            default: continue
            }
            report.volumesChecked[volume.kind, default: 0] += 1
        }
    }

    // MARK: dindex

    private func checkIndex(_ volume: VolumeRecord, dblocks: [VolumeRecord], byName: [String: VolumeRecord]) throws {
        guard let opened = try open(volume, tolerateAuthenticationFailure: false) else { return }
        let archive = opened.archive
        if let problem = try manifestProblem(archive) {
            damage(volume, problem)
            return
        }
        let format = backup.format
        var broken: [String] = []
        for entry in archive.entries {
            if entry.name.hasPrefix("vol/") {
                let target = String(entry.name.dropFirst(4))
                let bytes: [UInt8]
                do {
                    bytes = try archive.read(entry, limit: Indexer.indexEntryLimit)
                } catch {
                    broken.append("\(entry.name): \(try describe(error))")
                    continue
                }
                let list: IndexVolumeList
                do {
                    list = try IndexVolumeList.parse(bytes)
                } catch {
                    warn(volume.name, "\(entry.name) is malformed (\(error)); restores read that dblock's own directory")
                    continue
                }
                if let dblock = byName[target] ?? Indexer.matchByGUID(target, in: dblocks) {
                    let (count, digest) = Self.listDigest(list.blocks)
                    claims[dblock.name, default: []].append(IndexClaim(
                        index: volume.name, count: count, digest: digest, volumeHash: list.volumeHash, volumeSize: list.volumeSize))
                } else {
                    missingVolumes[target, default: []].append(volume.name)
                    for block in list.blocks {
                        if let key = BlockKey(base64: block.hash) { blocksOfMissingVolumes[key] = target }
                    }
                }
            } else if entry.name.hasPrefix("list/") {
                let entryName = String(entry.name.dropFirst(5))
                guard let hash = BlockHashName.base64(entryName: entryName) else {
                    warn(volume.name, "\(entry.name) is not named after a block hash")
                    continue
                }
                let content: [UInt8]
                do {
                    content = try archive.read(entry, limit: format.blocksize)
                } catch {
                    broken.append("\(entry.name): \(try describe(error))")
                    continue
                }
                let digest = format.blockHash.digest(content)
                guard BlockHashName.base64(raw: digest) == hash, content.count % format.blockHash.digestSize == 0 else {
                    warn(volume.name, "blocklist copy \(entryName) does not match its hash; restores use the dblock's copy")
                    continue
                }
                try backup.catalog.addBlocklist(hash: hash, content: content)
                indexedBlocklists.insert(BlockKey(raw: digest))
            }
        }
        if !broken.isEmpty {
            damage(volume, "\(broken.count) entries are unreadable, e.g. \(broken.prefix(3).joined(separator: "; "))")
        }
    }

    /// The number of distinct `hash size` pairs and a digest of them, sorted.
    static func listDigest(_ blocks: [(hash: String, size: Int64)]) -> (Int, [UInt8]) {
        let lines = Set(blocks.map { "\($0.hash) \($0.size)\n" }).sorted()
        let digest = HashAlgorithm.sha256.makeDigest()
        for line in lines { digest.update(Array(line.utf8)) }
        return (lines.count, digest.finalize())
    }

    // MARK: dblock

    private func checkBlockVolume(_ volume: VolumeRecord) throws {
        guard let opened = try open(volume, tolerateAuthenticationFailure: true) else { return }
        let damagedBefore = report.damagedVolumes.count
        let archive = opened.archive
        if let problem = try manifestProblem(archive) { damage(volume, problem) }
        let format = backup.format
        var listed: [(hash: String, size: Int64)] = []
        var bad: [String] = []
        for entry in archive.entries {
            guard let hash = BlockHashName.base64(entryName: entry.name) else { continue }
            listed.append((hash, entry.uncompressedSize))
            let data: [UInt8]
            do {
                data = try archive.read(entry, limit: format.blocksize)
            } catch {
                bad.append("\(entry.name): \(try describe(error))")
                continue
            }
            let digest = format.blockHash.digest(data)
            guard BlockHashName.base64(raw: digest) == hash else {
                bad.append("\(entry.name): content does not match its hash")
                continue
            }
            availableBlocks.insert(BlockKey(raw: digest))
            if wantedBlocklists.contains(hash), data.count % format.blockHash.digestSize == 0 {
                try backup.catalog.addBlocklist(hash: hash, content: data)
            }
        }
        if !bad.isEmpty {
            damage(volume, "\(bad.count) of \(listed.count) blocks fail their check, e.g. \(bad.prefix(3).joined(separator: "; "))")
        }
        compareClaims(volume, listed: listed, opened: opened, intact: report.damagedVolumes.count == damagedBefore)
    }

    /// Compares what index files say about a dblock with the dblock itself.
    private func compareClaims(_ volume: VolumeRecord, listed: [(hash: String, size: Int64)], opened: OpenedVolume, intact: Bool) {
        guard let list = claims[volume.name] else { return }
        let (count, digest) = Self.listDigest(listed)
        let actualHash = BlockHashName.base64(raw: opened.spooled.hash)
        let actualSize = opened.spooled.source.size
        for claim in list {
            var problems: [String] = []
            if claim.digest != digest {
                problems.append("it lists \(claim.count) blocks for \(volume.name), which holds \(count), and the lists differ")
            }
            // A damaged dblock is reported as such; its hash is expected to differ then.
            if intact, let recorded = claim.volumeHash, recorded != actualHash {
                problems.append("the hash it records for \(volume.name) does not match that file")
            }
            if intact, let recorded = claim.volumeSize, recorded != actualSize {
                problems.append("it records \(recorded) bytes for \(volume.name), which has \(actualSize)")
            }
            if !problems.isEmpty {
                warn(claim.index, "stale or wrong index file: \(problems.joined(separator: "; ")) (restores read the dblock's own directory)")
            }
        }
    }

    // MARK: dlist

    private func checkFileList(_ volume: VolumeRecord) throws {
        guard let opened = try open(volume, tolerateAuthenticationFailure: false) else { return }
        let archive = opened.archive
        if let problem = try manifestProblem(archive) {
            damage(volume, problem)
            return
        }
        guard let list = archive.entry(named: "filelist.json") else {
            damage(volume, "no filelist.json")
            return
        }
        do {
            var reader = FilelistReader()
            try archive.stream(list) { chunk in
                try reader.consume(chunk) { _ in }
            }
            try reader.finish()
        } catch {
            damage(volume, "filelist.json: \(try describe(error))")
            return
        }
        if let fileset = archive.entry(named: "fileset") {
            do {
                _ = try Fileset.parse(try archive.read(fileset, limit: 1 << 20))
            } catch {
                warn(volume.name, "unreadable fileset entry (\(try describe(error))); the version counts as a full backup")
            }
        }
    }

    // MARK: Shared

    /// Downloads a volume whole, checks its AES Crypt HMAC and opens its zip directory.
    /// - Parameter tolerateAuthenticationFailure: go on after a failed HMAC (dblocks: blocks that
    ///   still match their hashes are what a restore uses).
    /// - Returns: nil when the volume cannot be opened (the damage is recorded).
    private func open(_ volume: VolumeRecord, tolerateAuthenticationFailure: Bool) throws -> OpenedVolume? {
        let file = backup.volumes.file(named: volume.name) ?? RemoteFile(name: volume.name, size: volume.size)
        let spooled: SpooledVolume
        do {
            spooled = try SpooledVolume.download(
                file, store: backup.store, algorithm: backup.format.fileHash, memoryLimit: options.memoryLimit,
                directory: backup.cache.directory)
        } catch {
            damage(volume, try describe(error))
            return nil
        }
        report.volumeBytes += spooled.source.size
        var plaintext: any ByteSource = spooled.source
        if VolumeName(volume.name)?.encryption == "gpg" {
            // gpg checks the whole message (its MDC) while decrypting.
            guard let passphrase = backup.volumes.passphrase else { throw BackupError.passphraseRequired }
            do {
                guard let gpg = backup.volumes.gpg else { throw BackupError.unsupported("the gpg program is not installed") }
                plaintext = ByteArraySource(try gpg.decrypt(try spooled.source.readAll(), passphrase: passphrase, volume: volume.name))
            } catch BackupError.wrongPassphrase {
                damage(volume, "does not decrypt with the passphrase (GPG)")
                return nil
            } catch {
                damage(volume, try describe(error))
                return nil
            }
        } else if VolumeName(volume.name)?.encryption != nil {
            guard let passphrase = backup.volumes.passphrase else { throw BackupError.passphraseRequired }
            let reader: AESCryptReader
            do {
                reader = try AESCryptReader(ciphertext: spooled.source, passphrase: passphrase)
            } catch {
                damage(volume, try describe(error))
                return nil
            }
            do {
                try reader.verifyAuthentication()
            } catch {
                damage(volume, try describe(error))
                if !tolerateAuthenticationFailure { return nil }
            }
            plaintext = reader
        }
        if let name = VolumeName(volume.name), let format = VolumeSet.tarFormat(name) {
            // A tar volume is read whole: decompressed and laid out as a zip of stored entries.
            do {
                plaintext = ByteArraySource(try VolumeSet.zipOfTar(try plaintext.readAll(), format: format, name: volume.name))
            } catch {
                damage(volume, try describe(error))
                return nil
            }
        }
        do {
            return OpenedVolume(archive: try ZipArchive(source: plaintext), spooled: spooled)
        } catch {
            damage(volume, try describe(error))
            return nil
        }
    }

    /// What is wrong with a volume's manifest, or nil when it agrees with the backup.
    private func manifestProblem(_ archive: ZipArchive) throws -> String? {
        guard let entry = archive.entry(named: "manifest") else { return "no manifest" }
        let manifest: Manifest
        do {
            manifest = try Manifest.parse(try archive.read(entry, limit: 1 << 20))
        } catch {
            return "manifest: \(try describe(error))"
        }
        let format = backup.format
        if manifest.blocksize != format.blocksize || manifest.blockHashAlgorithm != format.blockHash
            || manifest.fileHashAlgorithm != format.fileHash {
            return "manifest says block size \(manifest.blocksize) with \(manifest.blockHash)/\(manifest.fileHash), "
                + "the backup uses \(format.blocksize) with \(format.blockHash.rawValue)/\(format.fileHash.rawValue)"
        }
        return nil
    }

    /// Why a volume failed, for the report; rethrows what makes checking impossible (network,
    /// access denied, local index or disk failures).
    func describe(_ error: any Error) throws -> String {
        switch error {
        case let error as StorageError:
            switch error {
            case .network, .accessDenied, .folderNotFound, .invalidLocation, .untrustedCache, .cacheFull: throw error
            case .fileNotFound: return "disappeared from the folder while being checked"
            case .shortRead, .system: return "cannot be downloaded: \(error.description)"
            }
        case let error as AESCryptError:
            switch error {
            case .authenticationFailed: return "fails the AES Crypt HMAC check (its bytes are corrupted)"
            case .wrongPassphrase: return "its AES Crypt header does not open with the passphrase (damaged header, or a volume of another backup)"
            case .truncated: return "truncated (AES Crypt)"
            case .notAESCrypt: return "not an AES Crypt file"
            case .unsupportedVersion(let version): return "AES Crypt version \(version) is not supported"
            case .malformed(let why): return "AES Crypt: \(why)"
            }
        case let error as ZipError:
            return "zip: " + Self.reason(error)
        case let error as BackupError:
            switch error {
            case .local, .wrongPassphrase, .passphraseRequired: throw error
            case .damagedVolume(_, let reason): return reason
            default: return error.description
            }
        case is SQLiteError:
            throw error
        default:
            return "\(error)"
        }
    }

    /// A zip failure in words (entry names are shown by the caller).
    static func reason(_ error: ZipError) -> String {
        switch error {
        case .notZip: "not a zip archive (no end of central directory)"
        case .truncated: "truncated"
        case .malformed(let why): why
        case .unsupportedMethod(let method): "compression \(ZipMethod.describe(method)) is not supported"
        case .encryptedEntry: "zip-encrypted entry"
        case .entryTooLarge(_, let size, let limit): "\(size) bytes, more than the \(limit) allowed"
        case .crcMismatch: "CRC mismatch"
        case .sizeMismatch: "decoded length differs from the recorded size"
        case .inflateFailed(let why): "inflate failed (\(why))"
        }
    }

    func damage(_ volume: VolumeRecord, _ reason: String) {
        report.damagedVolumes.append(.init(name: volume.name, kind: volume.kind, reason: reason))
    }

    func warn(_ volume: String, _ message: String) {
        report.warnings.append(.init(volume: volume, message: message))
    }
}
