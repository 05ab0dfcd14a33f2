import ByteSource
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A backup in a local folder (for instance a synced pCloud Drive).
package struct LocalDirectoryStore: BackendStore {
    /// The absolute, standardized folder path.
    package let path: String

    /// - Parameter path: the folder; relative paths are resolved against the working directory.
    package init(path: String) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var resolved = url.path
        while resolved.count > 1 && resolved.hasSuffix("/") { resolved.removeLast() }
        self.path = resolved
    }

    package var displayName: String { "file://\(path)" }
    package var identity: String { "file://\(path)" }

    package func list() throws -> [RemoteFile] {
        guard let dir = opendir(path) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw StorageError.folderNotFound(path) }
            throw StorageError.system(operation: "opendir", path: path, errno: code)
        }
        defer { closedir(dir) }
        var files: [RemoteFile] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var info = stat()
            guard stat(path + "/" + name, &info) == 0 else { continue }
            guard (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
            files.append(RemoteFile(name: name, size: Int64(info.st_size), modified: modified))
        }
        return files.sorted { $0.name < $1.name }
    }

    package func open(_ file: RemoteFile) throws -> any ByteSource {
        try LocalFileSource(path: path + "/" + file.name, name: file.name)
    }
}

/// A local file read with `pread`, safe to share between threads.
package final class LocalFileSource: ByteSource {
    private let descriptor: Int32
    private let name: String
    package let size: Int64

    /// Opens a file for reading.
    /// - Parameters:
    ///   - path: the file's path.
    ///   - name: the name used in errors.
    /// - Throws: ``StorageError``.
    package init(path: String, name: String) throws {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw StorageError.fileNotFound(name) }
            throw StorageError.system(operation: "open", path: path, errno: code)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw StorageError.system(operation: "fstat", path: path, errno: code)
        }
        self.descriptor = fd
        self.name = name
        self.size = Int64(info.st_size)
    }

    deinit { close(descriptor) }

    package func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard offset >= 0, count > 0, offset < size else { return [] }
        let wanted = Int(min(Int64(count), size - offset))
        var done = 0
        let buffer = try [UInt8](unsafeUninitializedCapacity: wanted) { buffer, initialized in
            while done < wanted {
                let n = pread(descriptor, buffer.baseAddress! + done, wanted - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    initialized = done
                    throw StorageError.system(operation: "pread", path: name, errno: code)
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        guard buffer.count == wanted else {
            throw StorageError.shortRead(name: name, offset: offset, expected: wanted, got: buffer.count)
        }
        return buffer
    }
}
