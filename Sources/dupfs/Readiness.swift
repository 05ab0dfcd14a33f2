import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The hand-shake between `dupfs mount` and the background process it starts: the child is a
/// fresh `posix_spawn` of our own executable (never a fork after threads exist), gets the
/// secrets through a pipe (never in its arguments or environment), and writes one line on a
/// second pipe: `0 <mountpoint>` when mounted, or `<exit status> <message>`.
enum Readiness {
    enum Outcome {
        case ready(String)
        case failed(Int32, String)
        case died
    }

    struct Child {
        let pid: pid_t
        let readyFD: Int32

        /// Waits for the child's line, at most `timeout` seconds.
        func wait(timeout: Double) -> Outcome {
            defer { close(readyFD) }
            var line = [UInt8]()
            let deadline = Date().addingTimeInterval(timeout)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !line.contains(10) {
                let left = deadline.timeIntervalSinceNow
                if left <= 0 { kill(pid, SIGTERM); return .failed(69, "the mount did not become ready within \(Int(timeout)) s") }
                var poller = pollfd(fd: readyFD, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(min(left, 1) * 1000))
                if ready < 0 && errno == EINTR { continue }
                if ready <= 0 { continue }
                let n = read(readyFD, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                line += buffer[0..<n]
            }
            let text = String(decoding: line.prefix { $0 != 10 }, as: UTF8.self)
            guard let space = text.firstIndex(of: " "), let status = Int32(text[..<space]) else {
                var status: Int32 = 0
                waitpid(pid, &status, WNOHANG)
                return .died
            }
            let message = String(text[text.index(after: space)...])
            if status == 0 { return .ready(message) }
            var exitStatus: Int32 = 0
            waitpid(pid, &exitStatus, 0)
            return .failed(status, message)
        }
    }

    /// Starts `<our executable> arguments...` in a new session with stdio on /dev/null, fd 3 the
    /// write end of the readiness pipe and fd 4 the read end of the secrets pipe.
    static func spawnChild(arguments: [String], secrets: [String: String]) throws -> Child {
        var ready: [Int32] = [0, 0]
        var secret: [Int32] = [0, 0]
        // pipe2 needs _GNU_SOURCE, which Glibc's Swift module does not define: set FD_CLOEXEC
        // right away instead (no other thread spawns meanwhile).
        guard pipe(&ready) == 0, pipe(&secret) == 0 else {
            throw UsageError(message: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        for fd in ready + secret { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // Whatever else we inherited or opened (our caller's status sockets, the index, curl's
        // connections) must not outlive us in the mount process: a parent waiting for our
        // output or exit would otherwise wait for the mount to end.
        if let open = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            for name in open {
                if let fd = Int32(name), fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ready[1], 3)
        posix_spawn_file_actions_adddup2(&actions, secret[0], 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new session: the mount must not die with the user's terminal. Signals blocked in
        // this process are unblocked in the child, which installs its own handling.
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        // POSIX_SPAWN_SETSID (glibc 2.26+) is hidden behind _GNU_SOURCE; its value is 0x80.
        let setsid: Int32 = 0x80
        posix_spawnattr_setflags(&attributes, Int16(setsid | POSIX_SPAWN_SETSIGMASK))

        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment
        for key in EnvironmentSecrets.names + [EnvironmentSecrets.descriptorVariable] { environment.removeValue(forKey: key) }
        // Only a foreground mount reports to systemd: the child must not claim readiness for us.
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(ready[1])
        close(secret[0])
        guard rc == 0 else {
            close(ready[0])
            close(secret[1])
            throw UsageError(message: "cannot start the mount process: \(String(cString: strerror(rc)))")
        }
        let payload = (try? JSONSerialization.data(withJSONObject: secrets)) ?? Data("{}".utf8)
        payload.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(secret[1], buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { if errno == EINTR { continue }; break }
                offset += n
            }
        }
        close(secret[1])
        return Child(pid: pid, readyFD: ready[0])
    }

    /// Writes the child's one line and closes the pipe.
    static func report(fd: Int32, status: Int32, message: String) {
        let line = "\(status) \(message.replacingOccurrences(of: "\n", with: " "))\n"
        _ = line.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    /// Nothing more to say on the terminal once running in the background.
    static func detachFromTerminal() {
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            dup2(null, 0)
            dup2(null, 1)
            dup2(null, 2)
            if null > 2 { close(null) }
        }
    }
}
