import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `dupfs-reliability`: mounts a known backup with dupfs, reads it from many threads while the
/// pCloud emulator injects faults (and from damaged copies), and prints one table of what the
/// reads got. Exits 1 on any wrong byte, hang, failed read that had to succeed, or resource growth.
@main
struct ReliabilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dupfs-reliability",
        abstract: "Fault-injection and damaged-backup reliability run of dupfs mount; prints one table.")

    @Flag(help: "Small counts so the run ends in under a minute.")
    var short = false

    @Option(help: "Minutes of soak (faults switched on and off on one mount) after the classes (default: 0.15 with --short, else 3).")
    var minutes: Double?

    @Option(help: "Reader threads.")
    var threads = 8

    @Option(help: "dupfs --io-timeout, seconds.")
    var ioTimeout = 10.0

    @Option(help: "Seconds above --io-timeout one call may take before it counts as a hang.")
    var slack = 5.0

    @Option(help: "Reads per class (default: 64 with --short, else 600).")
    var operations: Int?

    @Option(help: "Files in the fixture (default: 150 with --short, else 300).")
    var files: Int?

    @Option(help: "Folder holding dupfs and pcloud-emulator (default: this binary's folder).")
    var binDir: String?

    @Option(help: "Work folder (default: a fresh temporary one, removed afterwards).")
    var work: String?

    @Option(help: "Random seed of the reads.")
    var seed: UInt64 = 1

    @Option(help: "Run only the classes whose name contains this text (no soak).")
    var only: String?

    @Option(help: "Write the table (markdown) to this file as well.")
    var output: String?

    @Option(help: "Milliseconds every request to the emulator waits before its answer, faults or not (a WAN round trip).")
    var latencyMs = 20

    mutating func run() throws {
        let bin = binDir ?? Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent().path ?? "."
        let settings = ReliabilityRun.Settings(
            bin: bin, threads: threads, ioTimeout: ioTimeout, slack: slack,
            operations: operations ?? (short ? 64 : 600), recoveryOperations: short ? 32 : 200,
            files: files ?? (short ? 150 : 300), largestFile: short ? 1_000_000 : 1_500_000,
            volumeSize: short ? 2 << 20 : 4 << 20, phaseSeconds: short ? 20 : 180,
            soakSeconds: (minutes ?? (short ? 0.15 : 3)) * 60, short: short, seed: seed, only: only, latencyMs: max(0, latencyMs))
        let workFolder: URL
        if let work {
            workFolder = URL(fileURLWithPath: work)
        } else {
            workFolder = FileManager.default.temporaryDirectory.appendingPathComponent("dupfs-reliability-\(getpid())")
        }
        let run = try ReliabilityRun(settings: settings, work: workFolder)
        let report = try run.execute()
        if work == nil { try? FileManager.default.removeItem(at: workFolder) }
        print(report.text)
        if let output { try report.text.write(toFile: output, atomically: true, encoding: .utf8) }
        if report.failed { throw ExitCode(1) }
    }
}
