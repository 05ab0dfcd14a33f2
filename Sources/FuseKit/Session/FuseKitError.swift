/// Why a FUSE session could not be set up or ended abnormally.
package enum FuseKitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The mountpoint does not exist.
    case mountpointMissing(String)
    /// The mountpoint exists but is no directory.
    case mountpointNotDirectory(String)
    /// The mountpoint directory has entries; mounting would hide them (pass `nonempty` to allow).
    case mountpointNotEmpty(String)
    /// Something is already mounted there, or a dead FUSE mount is (`ENOTCONN`).
    case mountpointBusy(String)
    /// `stat` of the mountpoint failed otherwise.
    case mountpointInaccessible(String, errno: Int32)
    /// `fuse_session_new` refused the options; `message` is what libfuse logged.
    case sessionCreationFailed(options: [String], message: String)
    /// `fuse_session_mount` failed; `message` is what libfuse logged (e.g. "fuse: mount failed: …").
    case mountFailed(String, message: String)
    /// `fuse_session_loop_mt` ended with a negative errno.
    case loopFailed(errno: Int32)
    /// `run()` was called a second time, or after `exit()` completed.
    case alreadyRun
    /// A helper thread (signal watcher) could not be started; the `pthread_create` result.
    case threadCreationFailed(errno: Int32)

    /// A sentence for the user.
    package var description: String {
        switch self {
        case .mountpointMissing(let path):
            return "mountpoint \(path) does not exist; create an empty directory there first"
        case .mountpointNotDirectory(let path):
            return "mountpoint \(path) is not a directory"
        case .mountpointNotEmpty(let path):
            return "mountpoint \(path) is not empty; mounting would hide its contents (use an empty directory, or the option nonempty)"
        case .mountpointBusy(let path):
            return "mountpoint \(path) is busy: something is already mounted there (a stale FUSE mount can be removed with `fusermount3 -u \(path)`)"
        case .mountpointInaccessible(let path, let code):
            return "mountpoint \(path) is not accessible: \(Errno(code))"
        case .sessionCreationFailed(let options, let message):
            return "libfuse rejected the mount options \(options): \(message.isEmpty ? "no details" : message)"
        case .mountFailed(let path, let message):
            return "mounting on \(path) failed: \(message.isEmpty ? "no details from libfuse" : message)"
        case .loopFailed(let code):
            return "the FUSE session loop failed: \(Errno(code))"
        case .alreadyRun:
            return "the FUSE session already ran; create a new session to mount again"
        case .threadCreationFailed(let code):
            return "could not start a thread: \(Errno(code))"
        }
    }
}
