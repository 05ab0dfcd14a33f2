import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `lgetxattr`, `llistxattr` and `lsetxattr`, which Glibc's Swift module does not export:
/// looked up by name. None of them follows a symlink.
package enum ExtendedAttributeCalls {
    private typealias Get = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int) -> Int
    private typealias List = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int) -> Int
    private typealias Set = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    /// One attribute's value.
    /// - Returns: the value, or the errno (`ENODATA` when absent, `ENOSYS` when the call is missing).
    package static func get(_ path: String, _ name: String) -> Result<[UInt8], Errno> {
        guard let call = symbol("lgetxattr", as: Get.self) else { return .failure(Errno(ENOSYS)) }
        // Ask for the size, then read; retry if it grew meanwhile.
        for _ in 0..<3 {
            errno = 0
            let size = call(path, name, nil, 0)
            guard size >= 0 else { return .failure(Errno(errno)) }
            var buffer = [UInt8](repeating: 0, count: size)
            let read = buffer.withUnsafeMutableBytes { call(path, name, $0.baseAddress, size) }
            if read >= 0 { return .success(Array(buffer.prefix(read))) }
            if errno != ERANGE { return .failure(Errno(errno)) }
        }
        return .failure(Errno(ERANGE))
    }

    /// The attribute names, in the order the filesystem lists them.
    /// - Returns: the names, or the errno (`ENOSYS` when the call is missing).
    package static func list(_ path: String) -> Result<[String], Errno> {
        guard let call = symbol("llistxattr", as: List.self) else { return .failure(Errno(ENOSYS)) }
        for _ in 0..<3 {
            errno = 0
            let size = call(path, nil, 0)
            guard size >= 0 else { return .failure(Errno(errno)) }
            guard size > 0 else { return .success([]) }
            var buffer = [CChar](repeating: 0, count: size)
            let read = buffer.withUnsafeMutableBufferPointer { call(path, $0.baseAddress, size) }
            if read >= 0 {
                let bytes = buffer.prefix(read).map { UInt8(bitPattern: $0) }
                return .success(bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
            }
            if errno != ERANGE { return .failure(Errno(errno)) }
        }
        return .failure(Errno(ERANGE))
    }

    /// Sets (creates or replaces) one attribute.
    /// - Returns: 0, or the errno.
    @discardableResult
    package static func set(_ path: String, _ name: String, _ value: [UInt8]) -> Int32 {
        guard let call = symbol("lsetxattr", as: Set.self) else { return ENOSYS }
        errno = 0
        let result = value.withUnsafeBytes { call(path, name, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), value.count, 0) }
        return result == 0 ? 0 : errno
    }

    /// Whether files in this folder take `user.*` attributes (ext4, xfs, btrfs and tmpfs do;
    /// some overlay and network filesystems don't).
    /// - Parameter directory: an existing writable folder.
    package static func supportsUserAttributes(in directory: String) -> Bool {
        let probe = directory + "/.xattr-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard let file = fopen(probe, "w") else { return false }
        fclose(file)
        defer { unlink(probe) }
        guard set(probe, "user.probe", [1]) == 0 else { return false }
        return (try? get(probe, "user.probe").get()) == [1]
    }

    /// An errno as an `Error`.
    package struct Errno: Error, Equatable, Sendable {
        package let code: Int32
        package init(_ code: Int32) { self.code = code }
    }
}
