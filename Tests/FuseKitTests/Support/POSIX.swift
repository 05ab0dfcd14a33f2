#if canImport(Glibc)
import Glibc
#endif

/// The names in a directory, as raw bytes, in readdir order.
func listDirectory(_ path: String) -> [[UInt8]]? {
    guard let directory = opendir(path) else { return nil }
    defer { closedir(directory) }
    var names: [[UInt8]] = []
    while let entry = readdir(directory) {
        names.append(withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) })
    }
    return names
}

/// All bytes of a file, read with read(2) in odd-sized chunks; nil and errno on failure.
func readWholeFile(_ path: [CChar]) -> Result<[UInt8], POSIXFailure> {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return .failure(POSIXFailure(code: errno)) }
    defer { close(descriptor) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 70_001)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 { return .failure(POSIXFailure(code: errno)) }
        if count == 0 { return .success(result) }
        result += chunk[0..<count]
    }
}

/// `pread` of `count` bytes at `offset`.
func readAt(_ descriptor: Int32, offset: Int, count: Int) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
        let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
        if got < 0 { return nil }
        if got == 0 { break }
        done += got
    }
    return Array(buffer[0..<done])
}

/// The errno a failing call left, or 0 if it succeeded (returned >= 0).
func errnoOf(_ call: () -> Int32) -> Int32 {
    errno = 0
    return call() < 0 ? errno : 0
}

/// An errno as an Error, for Result.
struct POSIXFailure: Error, Equatable {
    let code: Int32
}

/// A path as a C string.
func cPath(_ path: String) -> [CChar] { Array(path.utf8CString) }

/// A small deterministic generator for test offsets (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The xattr calls, which Glibc's Swift module does not export (sys/xattr.h); looked up by name.
enum Xattr {
    private typealias Set = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias Get = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int) -> Int
    private typealias List = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int) -> Int
    private typealias Remove = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    /// setxattr(2); -1 with errno on failure.
    static func set(_ path: String, _ name: String, _ value: [UInt8]) -> Int32 {
        guard let call = symbol("setxattr", as: Set.self) else { return -2 }
        return value.withUnsafeBytes { call(path, name, $0.baseAddress, $0.count, 0) }
    }

    /// getxattr(2) into a buffer of `size` bytes.
    static func get(_ path: String, _ name: String, size: Int) -> Int {
        guard let call = symbol("getxattr", as: Get.self) else { return -2 }
        var buffer = [UInt8](repeating: 0, count: max(1, size))
        return buffer.withUnsafeMutableBytes { call(path, name, size == 0 ? nil : $0.baseAddress, size) }
    }

    /// listxattr(2) size probe.
    static func listSize(_ path: String) -> Int {
        guard let call = symbol("listxattr", as: List.self) else { return -2 }
        return call(path, nil, 0)
    }

    /// removexattr(2).
    static func remove(_ path: String, _ name: String) -> Int32 {
        guard let call = symbol("removexattr", as: Remove.self) else { return -2 }
        return call(path, name)
    }
}
