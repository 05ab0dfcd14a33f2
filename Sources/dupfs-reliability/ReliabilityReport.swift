import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The run's findings: one row per class, the soak's resource samples, and the verdict.
struct ReliabilityReport {
    /// The settings the run used.
    let settings: ReliabilityRun.Settings
    /// Files and bytes of the fixture, and its dblock count.
    let fixtureSummary: String
    /// The rows, in run order.
    var rows: [ClassTally] = []
    /// Mounts that did not come up.
    var setupFailures = 0
    /// The largest resident size seen at the end of a class mount.
    var classPeakRSS = 0
    /// The soak mount after its warm-up, and at the end.
    var soakStart: ProcessSample?
    var soakEnd: ProcessSample?
    /// Fault phases the soak went through.
    var soakCycles = 0
    /// Wall time of the run.
    var seconds = 0.0

    /// Allowed growth of the soak mount's resident memory beyond `--memory-cache 0`.
    static let allowedGrowth = 64 << 20
    /// Allowed growth of its open descriptors. Two pools grow with load and then stay: the
    /// HTTP client's connections (at most 8 per host: the API host and the content host) and
    /// libfuse's workers, each with its own cloned `/dev/fuse` descriptor (10 kept idle). Since
    /// requests are answered from dupfs's own threads, more storage reads run at once and the
    /// connection pool fills within the short soak; a leak shows as growth that keeps climbing
    /// in the long soak.
    static let allowedDescriptorGrowth = 16

    init(settings: ReliabilityRun.Settings, fixture: ReliabilityFixture) {
        self.settings = settings
        fixtureSummary = "\(fixture.files.count) files, \(String(format: "%.1f", Double(fixture.totalBytes) / 1_048_576)) MiB, "
            + "\(fixture.dblocks.count) dblocks of ≤ \(settings.volumeSize >> 20) MiB, 100 KiB blocks, AES Crypt v2"
    }

    /// Whether the soak's memory or descriptors grew beyond the allowance.
    var resourceGrowthFlagged: Bool {
        guard let soakStart, let soakEnd else { return false }
        return soakEnd.residentBytes - soakStart.residentBytes > Self.allowedGrowth
            || (soakEnd.openFiles ?? 0) - (soakStart.openFiles ?? 0) > Self.allowedDescriptorGrowth
    }

    /// Whether the run found a dupfs bug (or could not run a class).
    var failed: Bool {
        rows.contains { $0.isBad } || setupFailures > 0 || resourceGrowthFlagged
    }

    /// The table and the lines below it, as markdown.
    var text: String {
        var lines: [String] = []
        let header = ["class", "ops", "right", "failed cleanly", "WRONG", "must-pass failed", "hangs", "longest wait ms", "notes"]
        var table = [header]
        for row in rows {
            table.append([
                row.name, "\(row.operations)", "\(row.right)", "\(row.failed)", "\(row.wrong)", "\(row.mustPassFailed)", "\(row.hangs)",
                "\(Int(row.longestMilliseconds.rounded()))", row.notes,
            ])
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        let numeric = Set(1...7)
        for (index, cells) in table.enumerated() {
            let padded = cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return numeric.contains(column) && index > 0 ? pad + cell : cell + pad
            }
            lines.append("| " + padded.joined(separator: " | ") + " |")
            if index == 0 {
                lines.append("|" + widths.enumerated().map { column, width in
                    numeric.contains(column) ? " " + String(repeating: "-", count: max(1, width - 1)) + ": " : " " + String(repeating: "-", count: width) + " "
                }.joined(separator: "|") + "|")
            }
        }
        lines.append("")
        lines.append("- run: \(ISO8601DateFormatter().string(from: Date())) on \(Self.machine)")
        lines.append("- fixture: \(fixtureSummary)")
        if settings.latencyMs > 0 {
            lines.append("- link: every request to the emulator waits \(settings.latencyMs) ms before its answer, during faults and between them")
        }
        lines.append("- mount: --io-timeout \(Self.number(settings.ioTimeout)) --memory-cache 0 --cache-size 0; \(settings.threads) reader threads, "
            + "open + pread of 1–65536 bytes at random offsets of random files, pages dropped (POSIX_FADV_DONTNEED) around every read; "
            + "each file looked up once before the faults; hang = one call over \(Self.number(2 * settings.ioTimeout + settings.slack)) s (two kernel requests' limits + slack) that did not return the right bytes "
            + "(a slower call that did is noted as slow but right)")
        lines.append("- class mounts: largest resident size at a class's end \(String(format: "%.1f", Double(classPeakRSS) / 1_048_576)) MiB")
        if let soakStart, let soakEnd {
            let growth = Double(soakEnd.residentBytes - soakStart.residentBytes) / 1_048_576
            lines.append("- soak (\(Self.number(settings.soakSeconds)) s, \(soakCycles) fault phases): start \(soakStart.text), end \(soakEnd.text); "
                + String(format: "growth %+.1f MiB, %+d fds", growth, (soakEnd.openFiles ?? 0) - (soakStart.openFiles ?? 0))
                + (resourceGrowthFlagged ? " — FLAG: beyond the allowance (\(Self.allowedGrowth >> 20) MiB, \(Self.allowedDescriptorGrowth) fds)" : " (within the allowance)"))
        }
        if setupFailures > 0 { lines.append("- \(setupFailures) mount(s) failed to come up") }
        let examples = rows.flatMap { row in row.examples.map { "  - \(row.name): \($0)" } }
        if !examples.isEmpty {
            lines.append("- examples:")
            lines += examples
        }
        let wrong = rows.reduce(0) { $0 + $1.wrong }
        let hangs = rows.reduce(0) { $0 + $1.hangs }
        let mustPass = rows.reduce(0) { $0 + $1.mustPassFailed }
        lines.append("- verdict: " + (failed ? "FAIL" : "PASS") + " (\(wrong) wrong, \(hangs) hangs, \(mustPass) must-pass reads failed) in \(Int(seconds)) s")
        return lines.joined(separator: "\n")
    }

    /// CPU model, cores, memory and kernel, from /proc and uname.
    static var machine: String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let kib = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } } ?? 0
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(kib >> 20) GiB RAM, Linux \(release)"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
