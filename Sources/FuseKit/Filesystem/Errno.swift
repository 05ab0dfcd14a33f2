#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A POSIX error number a filesystem callback fails with; FuseKit sends it with `fuse_reply_err`.
///
/// This is the one place errno meets FUSE: a filesystem maps its rich errors to an `Errno`
/// at its edge (logging them there) and throws this.
package struct Errno: Error, Sendable, Hashable, CustomStringConvertible {
    /// The positive errno value, e.g. `ENOENT`.
    package let code: Int32

    /// Creates an error from a positive errno value.
    /// - Parameter code: e.g. `ENOENT`; a non-positive value is sent as `EIO`,
    ///   because 0 would tell the kernel the request succeeded.
    package init(_ code: Int32) {
        self.code = code > 0 ? code : EIO
    }

    /// The errno name and `strerror` text, e.g. `"errno 2 (No such file or directory)"`.
    package var description: String {
        "errno \(code) (\(String(cString: strerror(code))))"
    }
}
