import CFuzzerDriver
import FuzzBodies

#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer's per-input callback: runs `FormatFuzzBody.run` on the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FormatFuzzBody.run(Array(UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count)))
    return 0
}

/// Hands the command line to libFuzzer, which calls `fuzz` for each input.
@main
enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in fuzz(UnsafeRawPointer(data), count) })
    }
}
