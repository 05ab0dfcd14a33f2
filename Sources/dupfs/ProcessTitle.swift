#if canImport(Glibc)
import Glibc
#endif

/// Keeps secrets out of `ps`: a token passed in a URL (`?authid=...`) is overwritten in the
/// process's own argument memory, which is what `/proc/PID/cmdline` shows.
enum ProcessTitle {
    /// Call after the arguments were copied into Swift strings.
    static func scrubSecrets() {
        let argc = Int(CommandLine.argc)
        let argv = CommandLine.unsafeArgv
        for i in 1..<max(argc, 1) {
            guard let raw = argv[i] else { continue }
            let length = strlen(raw)
            let bytes = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: UInt8.self)
            let text = Array(UnsafeBufferPointer(start: bytes, count: length))
            for key in ["authid=", "access_token=", "auth="] {
                let pattern = Array(key.utf8)
                var start = 0
                while start + pattern.count <= text.count {
                    if Array(text[start..<(start + pattern.count)]) == pattern,
                       start == 0 || text[start - 1] == UInt8(ascii: "?") || text[start - 1] == UInt8(ascii: "&") {
                        var j = start + pattern.count
                        while j < length && bytes[j] != UInt8(ascii: "&") {
                            bytes[j] = UInt8(ascii: "x")
                            j += 1
                        }
                        start = j
                    } else {
                        start += 1
                    }
                }
            }
        }
    }
}
