import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `dupfs mount URL MP -f` as a systemd `Type=notify` service runs it: the test binds the
/// datagram socket NOTIFY_SOCKET names, as systemd does, and checks READY=1 once the root lists,
/// STOPPING=1 on SIGTERM, exit 0 and the mount gone; log lines carry journald priorities.
@Suite(.serialized, .enabled(if: MountHarness.fuseAvailable, "needs /dev/fuse, fusermount3 and the built dupfs"))
final class SystemdNotifyTests {
    let root: URL
    let backup: URL
    let mountpoint: URL
    let cache: String
    let passFile: String

    init() throws {
        root = try MountHarness.temporaryFolder("dupfs-notify")
        backup = root.appendingPathComponent("backup")
        mountpoint = root.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mountpoint, withIntermediateDirectories: true)
        cache = root.appendingPathComponent("cache").path
        passFile = root.appendingPathComponent("pass").path
        try Data("notify passphrase\n".utf8).write(to: URL(fileURLWithPath: passFile))
        var options = SampleBackup.defaultOptions
        options.encryption = .aes(.v2, passphrase: "notify passphrase")
        try SampleBackup.write(to: backup, options: options)
    }

    deinit {
        MountHarness.unmount(mountpoint.path)
        try? FileManager.default.removeItem(at: root)
    }

    /// A bound datagram socket: a path, or an abstract name when `name` starts with `@`.
    final class NotifySocket {
        let fd: Int32
        init(_ name: String) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(name.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { path in for (i, b) in bytes.enumerated() { path[i] = b } }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
            // A deadline against a hang, not a timing assertion.
            var timeout = timeval(tv_sec: 120, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        deinit { close(fd) }

        /// The next datagram, nil when none came before the deadline.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
        }

        /// Datagrams until one holds `line` as a line; all of them, or nil at the deadline.
        func receive(until line: String) -> [String]? {
            var seen: [String] = []
            while let message = receive() {
                seen.append(message)
                if message.split(separator: "\n").contains(Substring(line)) { return seen }
            }
            return nil
        }
    }

    func runNotifyMount(socketName: String) throws {
        let notify = try NotifySocket(socketName)
        let process = Process()
        process.executableURL = DupfsProcess.binDirectory.appendingPathComponent("dupfs")
        process.arguments = ["mount", "file://" + backup.path, mountpoint.path, "-f", "--cache-dir", cache,
                             "--passphrase-file", passFile, "--log-level", "info"]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = socketName
        environment["JOURNAL_STREAM"] = "8:12345"
        environment["INVOCATION_ID"] = "0123456789abcdef0123456789abcdef"
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let beforeReady = try #require(notify.receive(until: "READY=1"), "no READY=1")
        #expect(MountHarness.isMounted(mountpoint.path))
        let names = try FileManager.default.contentsOfDirectory(atPath: mountpoint.path)
        #expect(names.contains("latest") && names.contains("2024-03-01T10:00:00Z"), "\(names)")

        process.terminate()  // SIGTERM, as systemctl stop sends
        let afterReady = notify.receive(until: "STOPPING=1")
        #expect(afterReady != nil, "no STOPPING=1")
        // Indexing a fresh cache reported where it was (the mount lists its versions before
        // reading file lists; the indexing then goes on in the background, reported as STATUS=).
        let messages = beforeReady.dropLast() + (afterReady ?? [])
        #expect(messages.contains { $0.hasPrefix("STATUS=") }, "\(messages)")
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(!MountHarness.isMounted(mountpoint.path))
        let log = String(decoding: errData, as: UTF8.self)
        let lines = log.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.range(of: #"^<[0-7]>"#, options: .regularExpression) != nil }, "\(log)")
        #expect(lines.contains { $0.hasPrefix("<5>dupfs: notice: mounted") }, "\(log)")
    }

    @Test func aPathSocketGetsReadyAndStopping() throws {
        try runNotifyMount(socketName: root.appendingPathComponent("notify.sock").path)
    }

    @Test func anAbstractSocketGetsReadyAndStopping() throws {
        try runNotifyMount(socketName: "@dupfs-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }
}
