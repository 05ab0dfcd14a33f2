import AESCrypt
import ByteSource
import Digests
import Foundation
import TestSupport
import Zip

/// The fastest dupfs could possibly serve a file: its volumes already in memory, decrypted,
/// inflated and hash-checked with our own modules on every core, with no network and no FUSE.
enum DecodeCeiling {
    /// Decodes every block of some volumes.
    /// - Parameters:
    ///   - volumes: the encrypted volume files (read into memory before timing starts).
    ///   - passphrase: their passphrase.
    ///   - threads: volumes decoded at once.
    /// - Returns: block bytes produced and the seconds it took.
    /// - Throws: `BenchError.wrongData` when a block fails its hash, or the decoders' errors.
    static func measure(volumes: [URL], passphrase: String, threads: Int) throws -> (bytes: Int, seconds: Double) {
        let files = try volumes.map { [UInt8](try Data(contentsOf: $0)) }
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var bytes = 0
            var failure: (any Error)?
        }
        let shared = Shared()
        let (_, seconds) = Stopwatch.time {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while true {
                    shared.lock.lock()
                    let index = shared.next
                    shared.next += 1
                    shared.lock.unlock()
                    guard index < files.count else { return }
                    do {
                        let produced = try decode(files[index], passphrase: passphrase)
                        shared.lock.lock()
                        shared.bytes += produced
                        shared.lock.unlock()
                    } catch {
                        shared.lock.lock()
                        shared.failure = error
                        shared.lock.unlock()
                    }
                }
            }
        }
        if let failure = shared.failure { throw failure }
        return (shared.bytes, seconds)
    }

    /// Decrypts one volume (both HMACs), then inflates and hashes each block entry.
    /// - Returns: the block bytes produced.
    static func decode(_ file: [UInt8], passphrase: String) throws -> Int {
        let plain = try AESCrypt.decrypt(file, passphrase: passphrase)
        let archive = try ZipArchive(source: ByteArraySource(plain))
        var produced = 0
        for entry in archive.entries where entry.name != "manifest" {
            let block = try archive.read(entry, limit: 64 << 20)
            guard Base64Text.url(HashAlgorithm.sha256.digest(block)) == entry.name else {
                throw BenchError.wrongData("block \(entry.name) fails its hash")
            }
            produced += block.count
        }
        return produced
    }

    /// The compressed size of one entry of a volume (a stored block as it sits in the zip).
    static func storedSize(of entryName: String, volume: URL, passphrase: String) throws -> Int {
        let plain = try AESCrypt.decrypt([UInt8](try Data(contentsOf: volume)), passphrase: passphrase)
        let archive = try ZipArchive(source: ByteArraySource(plain))
        guard let entry = archive.entry(named: entryName) else { throw BenchError.missing("\(entryName) in \(volume.lastPathComponent)") }
        return Int(entry.compressedSize)
    }
}
