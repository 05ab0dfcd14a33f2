import Foundation

/// Finding the process that serves a dupfs mount.
package enum MountServer {
    /// The pid of the background `dupfs mount ... --ready-fd` process serving `mountpoint`
    /// (found by its command line in `/proc`), if any.
    package static func pid(for mountpoint: String) -> pid_t? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = pid_t(entry),
                  let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let args = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if args.count > 3, args[0].hasSuffix("/dupfs"), args[1] == "mount", args.contains(mountpoint), args.contains("--ready-fd") {
                return pid
            }
        }
        return nil
    }
}
