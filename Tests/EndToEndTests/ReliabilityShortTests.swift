import Foundation
import Testing
import TestSupport

/// The short reliability run (`dupfs-reliability --short`): every fault class and damaged
/// backup read from many threads, and not one wrong byte or hang.
@Suite(.serialized, .enabled(if: ReliabilityTool.runnable, "needs FUSE and the built dupfs, pcloud-emulator and dupfs-reliability"))
struct ReliabilityShortTests {
    @Test func shortRunReturnsNoWrongBytesAndNoHangs() throws {
        // The other suites run beside this one on a 2-core machine, and under stalled transfers a
        // rare call still waits two io-timeouts (10 s each; see docs/reliability.md): a call
        // counts as a hang here past 35 s, and the run kills a mount stuck for 30 s, which is
        // what an unbounded wait on storage looks like.
        let result = try DupfsProcess.run(
            product: "dupfs-reliability", ["--short", "--slack", "25", "--bin-dir", DupfsProcess.binDirectory.path])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        // Table rows: `| class | ops | right | failed | WRONG | must-pass failed | hangs | ms | notes |`.
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.contains("---") }.dropFirst()
        #expect(rows.count >= 15, "\(result.stdout)")
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            try #require(cells.count >= 7, "\(row)")
            #expect(Int(cells[1]) ?? 0 > 0, "no reads: \(row)")
            #expect(cells[4] == "0", "wrong bytes: \(row)")
            #expect(cells[6] == "0", "hangs: \(row)")
        }
        #expect(result.stdout.contains("verdict: PASS"), "\(result.stdout)")
    }
}

/// Whether the short run can happen here.
private enum ReliabilityTool {
    static var runnable: Bool {
        MountHarness.fuseAvailable && MountHarness.emulatorBuilt
            && FileManager.default.isExecutableFile(atPath: DupfsProcess.binDirectory.appendingPathComponent("dupfs-reliability").path)
    }
}
