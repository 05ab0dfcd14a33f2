import Foundation

/// A process's resident memory and open descriptors at one moment, from /proc.
struct ProcessSample {
    /// `VmRSS` in bytes.
    let residentBytes: Int
    /// Entries in /proc/PID/fd; nil when not readable (dupfs makes itself non-dumpable, so only
    /// root may list them).
    let openFiles: Int?

    /// Samples a live process; nil when it is gone.
    /// - Parameter pid: the process.
    static func take(_ pid: Int32) -> ProcessSample? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        var rss = 0
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kib = Int(fields[1]) { rss = kib * 1024 }
        }
        let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
        return ProcessSample(residentBytes: rss, openFiles: fds)
    }

    /// `"123.4 MiB, 17 fds"`.
    var text: String {
        String(format: "%.1f MiB RSS, ", Double(residentBytes) / 1_048_576) + (openFiles.map { "\($0) fds" } ?? "fds not readable")
    }
}
