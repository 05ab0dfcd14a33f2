#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CFuse
import Logging
import Synchronization

/// One mounted FUSE filesystem: owns the libfuse session (`struct fuse_session`), mounts in
/// `init`, serves in ``run(threads:)``, and unmounts when the loop ends.
///
/// Lifecycle: `init` (mount) → `run()` on a thread of its own, until the filesystem is
/// unmounted (`fusermount3 -u`, `umount`) or ``exit()`` is called → the session is destroyed
/// when the last reference goes away.
package final class FuseSession: Sendable {
    /// The canonical absolute mountpoint, as `/proc/mounts` shows it.
    package let mountpoint: String

    /// The libfuse session; `@unchecked Sendable` because libfuse allows `fuse_session_exit`
    /// from any thread (it sets a flag) and every other use is serialized by `state`.
    private struct Handle: @unchecked Sendable {
        let raw: OpaquePointer
    }

    /// Where the session is in its life.
    private enum Phase {
        case mounted, running, finished
    }

    private struct State {
        var phase = Phase.mounted
        var exitRequested = false
    }

    private let handle: Handle
    /// The trampolines' context; this strong reference is the retain `fuse_req_userdata`
    /// relies on, dropped only in `deinit` after `fuse_session_destroy`.
    private let context: SessionContext
    private let logger: Logger
    private let state = Mutex(State())

    /// Creates the session and mounts it (`fuse_session_new` + `fuse_session_mount`).
    ///
    /// - Parameters:
    ///   - mountpoint: An existing, empty directory on which nothing is mounted yet.
    ///   - options: `-o` options, one per element, e.g. from ``standardOptions(fsname:subtype:allowOther:extra:)``:
    ///     `fsname=…`, `subtype=…`, `ro`, `default_permissions`, `allow_other`, and raw
    ///     strings the user passed. `nonempty` (gone from libfuse 3) is accepted here and
    ///     only relaxes the empty-mountpoint check.
    ///   - filesystem: The filesystem that answers requests.
    ///   - logger: Where request failures and libfuse messages go.
    ///   - requestTimeout: Seconds any request may take from its arrival; a request the
    ///     filesystem has not answered by then is answered `EIO` (see ``PendingReply``).
    /// - Throws: ``FuseKitError`` for a missing, busy, non-empty or non-directory mountpoint,
    ///   options libfuse rejects, or a failed mount (with libfuse's message).
    package init(
        mountpoint: String, options: [String], filesystem: any LowLevelFilesystem, logger: Logger, requestTimeout: Double = 60
    ) throws {
        let allowNonEmpty = options.contains("nonempty")
        let libfuseOptions = options.filter { $0 != "nonempty" }
        let resolved = try Mountpoint.validated(mountpoint, allowNonEmpty: allowNonEmpty)
        let context = SessionContext(filesystem: filesystem, logger: logger, requestTimeout: requestTimeout)

        var arguments = ["fusekit"]
        for option in libfuseOptions {
            arguments += ["-o", option]
        }
        var operations = LowLevelOperations.table()
        let userdata = Unmanaged.passUnretained(context).toOpaque()
        let (created, creationMessage) = LibfuseLog.capturing {
            withCStrings(arguments) { argv in
                cfuse_session_new(Int32(arguments.count), argv, &operations, userdata)
            }
        }
        guard let session = created else {
            throw FuseKitError.sessionCreationFailed(options: libfuseOptions, message: creationMessage)
        }
        let (mountResult, mountMessage) = LibfuseLog.capturing {
            fuse_session_mount(session, resolved)
        }
        guard mountResult == 0 else {
            fuse_session_destroy(session)
            throw FuseKitError.mountFailed(resolved, message: mountMessage)
        }
        self.mountpoint = resolved
        self.handle = Handle(raw: session)
        self.context = context
        self.logger = logger
        logger.info("mounted", metadata: ["mountpoint": "\(resolved)", "options": "\(libfuseOptions)"])
    }

    deinit {
        let phase = state.withLock { $0.phase }
        if phase != .finished {
            fuse_session_unmount(handle.raw)
        }
        // Answers still on their way (from the filesystem's threads or deadlines) must not
        // reach requests that fuse_session_destroy frees.
        context.close()
        fuse_session_destroy(handle.raw)
        // `context` is released after this, i.e. after fuse_session_destroy.
    }

    /// Requests answered `EIO` because their deadline passed, so far.
    package var expiredRequests: Int { context.expiredCount }

    /// The usual option set for a read-only filesystem.
    /// - Parameters:
    ///   - fsname: The source column of `/proc/mounts` (e.g. the backup URL); `,` and `\` are escaped.
    ///   - subtype: The type suffix: `fuse.<subtype>` in `/proc/mounts`.
    ///   - allowOther: Whether other users may access the mount (`allow_other`; needs
    ///     `user_allow_other` in /etc/fuse.conf unless root).
    ///   - extra: Raw `-o` strings the user passed, appended last.
    /// - Returns: `fsname=…`, `subtype=…`, `ro`, `default_permissions`, maybe `allow_other`, then `extra`.
    package static func standardOptions(fsname: String, subtype: String, allowOther: Bool = false, extra: [String] = [])
        -> [String]
    {
        // libfuse splits -o values at commas; a backslash escapes the next character.
        let escaped = fsname.replacingAll("\\", with: "\\\\").replacingAll(",", with: "\\,")
        var options = ["fsname=\(escaped)", "subtype=\(subtype)", "ro", "default_permissions"]
        if allowOther { options.append("allow_other") }
        return options + extra
    }

    /// How many libfuse worker threads serve requests.
    package struct Threads: Sendable {
        /// Give each worker its own `/dev/fuse` descriptor (`clone_fd`).
        package var cloneFD: Bool
        /// Idle workers kept before extra ones exit (`max_idle_threads`).
        package var maxIdle: UInt32
        /// Most workers at once (`max_threads`, libfuse ≥ 3.12).
        package var max: UInt32

        /// Read-ahead requests the kernel may have in flight at once (`max_background`; the
        /// kernel's default is 12): enough for many readers, fewer than ``max`` workers so
        /// that a reader's own request always finds one.
        static let backgroundRequests: UInt32 = 64

        /// Creates a thread configuration.
        /// - Parameters:
        ///   - cloneFD: Whether workers get their own device descriptor.
        ///   - maxIdle: Idle workers kept.
        ///   - max: Most workers.
        package init(cloneFD: Bool = true, maxIdle: UInt32 = 10, max: UInt32 = 96) {
            self.cloneFD = cloneFD
            self.maxIdle = maxIdle
            self.max = max
        }
    }

    /// Serves requests with libfuse's multi-threaded loop (`fuse_session_loop_mt`) until the
    /// filesystem is unmounted or ``exit()`` is called, then makes sure it is unmounted
    /// (`fuse_session_unmount`). Blocks the calling thread; call it once, from a thread that
    /// is not part of Swift's cooperative pool.
    /// - Parameter threads: Worker thread settings.
    /// - Throws: ``FuseKitError/loopFailed(errno:)`` if the loop ends with an error,
    ///   ``FuseKitError/alreadyRun`` on a second call.
    package func run(threads: Threads = Threads()) throws {
        let skip = try state.withLock { state throws(FuseKitError) -> Bool in
            guard state.phase == .mounted else { throw .alreadyRun }
            state.phase = .running
            return state.exitRequested
        }
        var result: Int32 = 0
        if !skip {
            logger.debug("session loop starting", metadata: ["mountpoint": "\(mountpoint)"])
            result = cfuse_session_loop_mt(handle.raw, threads.cloneFD ? 1 : 0, threads.maxIdle, threads.max)
        }
        state.withLock { state in
            // Under the lock so a concurrent exit() never unmounts by path after we did.
            fuse_session_unmount(handle.raw)
            state.phase = .finished
        }
        logger.info("unmounted", metadata: ["mountpoint": "\(mountpoint)"])
        if result < 0 {
            throw FuseKitError.loopFailed(errno: -result)
        }
    }

    /// Asks the loop to stop and unmounts, so ``run(threads:)`` returns. Safe from any thread
    /// (a signal-watching thread, a filesystem callback) and idempotent.
    ///
    /// `fuse_session_exit` only sets a flag; workers blocked reading `/dev/fuse` would not
    /// notice it. Unmounting ends the kernel connection, which wakes them. If files are still
    /// open the unmount is lazy (`MNT_DETACH`): the mount disappears from the namespace now and
    /// the loop ends with the next request (e.g. the `release` of those files).
    package func exit() {
        state.withLock { state in
            guard !state.exitRequested else { return }
            state.exitRequested = true
            fuse_session_exit(handle.raw)
            if state.phase != .finished {
                Unmount.detach(mountpoint, logger: logger)
            }
        }
    }
}

/// Calls `body` with a NULL-terminated `char *argv[]` built from `strings`.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

extension String {
    /// The string with every `target` replaced by `replacement` (no Foundation).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
