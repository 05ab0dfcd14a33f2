import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `sd_notify` without libsystemd: datagrams to the unix socket named by `NOTIFY_SOCKET`
/// (a path, or `@name` for an abstract socket), as a `Type=notify` service expects
/// (`READY=1` once serving, `STATUS=...` while starting, `STOPPING=1` when shutting down).
final class SystemdNotifier: Sendable {
    private let address: [UInt8]

    /// The notifier for this process's `NOTIFY_SOCKET`; nil when it is not set (not under
    /// systemd, or not a notify service) or unusable.
    static let fromEnvironment: SystemdNotifier? = {
        guard let value = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"], !value.isEmpty else { return nil }
        return SystemdNotifier(socket: value)
    }()

    /// - Parameter socket: `/path/to/socket` or `@abstract-name`.
    init?(socket: String) {
        var bytes = Array(socket.utf8)
        guard bytes.first == UInt8(ascii: "/") || bytes.first == UInt8(ascii: "@") else { return nil }
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { return nil }
        address = bytes
    }

    /// Sends `text` (lines `KEY=VALUE`) as one datagram; failures are ignored, as sd_notify's are
    /// by most callers (systemd then notices by itself).
    /// - Returns: Whether the datagram was sent.
    @discardableResult
    func send(_ text: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var target = sockaddr_un()
        target.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &target.sun_path) { path in
            for (i, byte) in address.enumerated() { path[i] = byte }
        }
        // An abstract name's length counts exactly its bytes; a path's includes no trailing NUL need.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count)
        let payload = Array(text.utf8)
        let sent = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                payload.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), raw, length) }
            }
        }
        return sent == payload.count
    }

    /// Whether this process runs under systemd with its stderr going to the journal (or as a
    /// service at all): log lines then carry `<N>` priority prefixes.
    static let underSystemd: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["JOURNAL_STREAM"] != nil || environment["INVOCATION_ID"] != nil
            || environment["NOTIFY_SOCKET"] != nil
    }()
}
