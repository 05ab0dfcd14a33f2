#if canImport(Glibc)
import Glibc
#endif
import FuseKit
import Logging
import Synchronization
import Testing

/// Whether real FUSE mounts can work here: `/dev/fuse` and `fusermount3` exist.
let fuseAvailable: Bool = {
    access("/dev/fuse", R_OK | W_OK) == 0
        && ([String])(["/usr/bin/fusermount3", "/bin/fusermount3", "/usr/local/bin/fusermount3"]).contains { access($0, X_OK) == 0 }
}()

/// All tests that mount run one at a time: they compare this process's open descriptors.
@Suite(.serialized, .enabled(if: fuseAvailable, "needs /dev/fuse and fusermount3"))
enum FuseMounts {}

/// The subtype our test mounts carry: `fuse.fusekit-test` in /proc/mounts.
let testSubtype = "fusekit-test"

/// A fresh empty directory under /tmp.
func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/fusekit-test-XXXXXX".utf8CString)
    let result = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
    try #require(result != nil, "mkdtemp failed: errno \(errno)")
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The numbers of this process's open descriptors.
func openDescriptors() -> Set<Int> {
    // Only descriptors of /dev/fuse (the session's and its cloned ones): other suites run in
    // parallel in this process and open and close files of their own at any time.
    guard let directory = opendir("/proc/self/fd") else { return [] }
    defer { closedir(directory) }
    var result: Set<Int> = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard let number = Int(name) else { continue }
        var target = [CChar](repeating: 0, count: 256)
        let n = readlink("/proc/self/fd/\(name)", &target, 255)
        if n > 0, String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) == "/dev/fuse" {
            result.insert(number)
        }
    }
    return result
}

/// Whether /proc/mounts lists `path` with type `fuse.<subtype>`.
func isMounted(_ path: String, subtype: String = testSubtype) -> Bool {
    guard let file = fopen("/proc/mounts", "re") else { return false }
    defer { fclose(file) }
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0, let line {
        let fields = String(cString: line).split(separator: " ")
        if fields.count >= 3, fields[1] == path, fields[2] == "fuse.\(subtype)" { return true }
    }
    return false
}

/// Polls `condition` every few milliseconds until it holds or `seconds` pass.
/// - Returns: Whether it held before the deadline.
func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let deadline = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + seconds
    while true {
        if condition() { return true }
        clock_gettime(CLOCK_MONOTONIC, &now)
        if Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 > deadline { return false }
        usleep(5_000)
    }
}

/// A pthread (outside Swift's cooperative pool) running a blocking body once.
final class BackgroundThread: Sendable {
    private let thread: pthread_t

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    init(_ body: @escaping @Sendable () -> Void) {
        var thread = pthread_t()
        let finishedFlag = FinishedFlag()
        let box = Unmanaged.passRetained(Box { body(); finishedFlag.set() }).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed")
        self.thread = thread
        self.flag = finishedFlag
    }

    private let flag: FinishedFlag

    /// Whether the body returned.
    var isFinished: Bool { flag.isSet }

    /// Waits for the body to return, up to `seconds`; joins the thread if it did.
    func join(seconds: Double = 10) -> Bool {
        guard waitUntil(seconds: seconds, { flag.isSet }) else { return false }
        pthread_join(thread, nil)
        return true
    }
}

final class FinishedFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// What `run()` did, recorded by the thread running it.
final class RunOutcome: Sendable {
    private let value = Mutex<String?>(nil)
    var description: String? { value.withLock { $0 } }
    func record(_ text: String) { value.withLock { $0 = text } }
}

/// A toy filesystem mounted on a temporary directory and served on a background thread.
struct MountedToy {
    let filesystem: ToyFilesystem
    let session: FuseSession
    let mountpoint: String
    let runner: BackgroundThread
    let outcome: RunOutcome

    /// Full path of a name under the mountpoint.
    func path(_ relative: String) -> String { mountpoint + "/" + relative }

    /// Full path of a name given as raw bytes.
    func path(bytes: [UInt8]) -> [CChar] {
        (Array(mountpoint.utf8) + [UInt8(ascii: "/")] + bytes + [0]).map { CChar(bitPattern: $0) }
    }
}

/// Mounts a ``ToyFilesystem``, runs `body`, unmounts with `fusermount3 -u` (retrying EBUSY),
/// and checks that `run()` returned cleanly and no descriptor leaked.
func withMountedToy(
    options: [String] = FuseSession.standardOptions(fsname: "toy", subtype: testSubtype),
    filesystem: ToyFilesystem = ToyFilesystem(),
    requestTimeout: Double = 60,
    _ body: (MountedToy) throws -> Void
) throws {
    let before = openDescriptors()
    let directory = try makeTemporaryDirectory()
    defer { rmdir(directory) }
    var logger = Logger(label: "FuseKitTests")
    logger.logLevel = .warning
    do {
        let session = try FuseSession(
            mountpoint: directory, options: options, filesystem: filesystem, logger: logger, requestTimeout: requestTimeout)
        let outcome = RunOutcome()
        let runner = BackgroundThread {
            do {
                try session.run()
                outcome.record("returned")
            } catch {
                outcome.record("threw \(error)")
            }
        }
        let mountpoint = session.mountpoint
        try #require(waitUntil { isMounted(mountpoint) }, "mount never appeared in /proc/mounts")
        let toy = MountedToy(
            filesystem: filesystem, session: session, mountpoint: mountpoint, runner: runner, outcome: outcome)
        var bodyError: (any Error)?
        do { try body(toy) } catch { bodyError = error }

        try unmountWithRetry(mountpoint)
        #expect(runner.join(), "run() did not return after unmount")
        #expect(outcome.description == "returned")
        #expect(!isMounted(mountpoint))
        if let bodyError { throw bodyError }
    }
    #expect(openDescriptors() == before, "descriptors leaked")
}

/// `fusermount3 -u path`, retried while it reports the mount busy.
func unmountWithRetry(_ path: String) throws {
    let unmounted = waitUntil {
        runProcess(["fusermount3", "-u", path]) == 0 || !isMounted(path)
    }
    #expect(unmounted, "fusermount3 -u kept failing")
}

/// Runs a program with posix_spawnp and returns its exit status (-1 if it did not exit normally).
func runProcess(_ arguments: [String]) -> Int32 {
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    argv.append(nil)
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    // Keep fusermount3's "busy" complaints out of the test log.
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var pid: pid_t = 0
    guard posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
}
