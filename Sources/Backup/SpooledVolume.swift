import ByteSource
import Digests
import Foundation
import Storage

#if canImport(Glibc)
import Glibc
#endif

/// A remote volume downloaded whole, in one sequential pass, and hashed on the way: kept in
/// memory when small, else in an unlinked temporary file. Checking every entry of a volume then
/// costs no further request to the store.
struct SpooledVolume {
    /// The bytes as stored remotely (still encrypted when the volume is).
    let source: any ByteSource
    /// The file hash of those bytes (Duplicati records it as a dindex `volumehash`).
    let hash: [UInt8]

    /// Bytes read from the store per request.
    static let chunkSize = 4 << 20

    /// Downloads a volume.
    /// - Parameters:
    ///   - file: the listed file.
    ///   - store: where it is.
    ///   - algorithm: the backup's file hash.
    ///   - memoryLimit: larger volumes go to a temporary file.
    ///   - directory: where such a file is made (it is unlinked at once).
    /// - Throws: ``StorageError`` (a short download is `shortRead`); ``BackupError/local(_:)``
    ///   when the temporary file cannot be written.
    static func download(
        _ file: RemoteFile, store: any BackendStore, algorithm: HashAlgorithm, memoryLimit: Int, directory: String
    ) throws -> SpooledVolume {
        let raw = try store.open(file)
        let size = raw.size
        let digest = algorithm.makeDigest()
        if size <= Int64(memoryLimit) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(max(0, size)))
            try copy(raw, name: file.name, digest: digest) { bytes += $0 }
            return SpooledVolume(source: ByteArraySource(bytes), hash: digest.finalize())
        }
        let path = directory + "/verify-\(UUID().uuidString).part"
        let fd = open(path, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw BackupError.local("cannot create temporary file \(path): \(String(cString: strerror(errno)))")
        }
        defer {
            close(fd)
            unlink(path)
        }
        try copy(raw, name: file.name, digest: digest) { chunk in
            try chunk.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    guard let base = buffer.baseAddress else { return }
                    let n = write(fd, base + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw BackupError.local("cannot write temporary file \(path): \(String(cString: strerror(errno)))")
                    }
                    offset += n
                }
            }
        }
        // Opened before the defer unlinks the name: the descriptor keeps the data alive.
        return SpooledVolume(source: try LocalFileSource(path: path, name: file.name), hash: digest.finalize())
    }

    private static func copy(
        _ raw: any ByteSource, name: String, digest: StreamingDigest, _ sink: ([UInt8]) throws -> Void
    ) throws {
        var position: Int64 = 0
        while position < raw.size {
            let count = Int(min(Int64(chunkSize), raw.size - position))
            let chunk = try raw.read(at: position, count: count)
            guard chunk.count == count else {
                throw StorageError.shortRead(name: name, offset: position, expected: count, got: chunk.count)
            }
            digest.update(chunk)
            try sink(chunk)
            position += Int64(count)
        }
    }
}
