import Backup
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How progress shows while a restore, a verify or an index build runs: one status line redrawn
/// at most ten times a second on a terminal; one plain summary line every ``summaryInterval``
/// seconds otherwise (a log file, journald, cron), so a long run is never silent; or nothing.
///
/// Each line holds the phase, bytes done of all (when the work is counted in bytes), items done
/// of all, the rate, the time elapsed and the time left.
final class ProgressDisplay: Sendable {
    enum Mode: Sendable {
        /// Redraw one line on a terminal.
        case terminal
        /// A summary line every ``summaryInterval`` seconds.
        case periodic
        /// Nothing.
        case off
    }

    /// Seconds between two lines when stderr is not a terminal.
    static let summaryInterval: Double = 15
    /// Seconds between two redraws on a terminal.
    static let redrawInterval: Double = 0.1

    let mode: Mode
    private let status: (@Sendable (String) -> Void)?
    private let state: Mutex<State>

    private struct State {
        var phase = ""
        var phaseStarted = Date()
        var lastDrawn = Date.distantPast
        var lastStatus = Date.distantPast
        var drawnSomething = false
    }

    /// - Parameters:
    ///   - choice: `--progress` (true), `--no-progress` (false) or neither (nil: a terminal line
    ///     when stderr is a terminal, periodic lines otherwise).
    ///   - status: also called (at most once a second) with the line, e.g. for systemd's STATUS=.
    init(choice: Bool?, status: (@Sendable (String) -> Void)? = nil) {
        switch choice {
        case .some(false): mode = .off
        case .some(true), .none: mode = Terminal.isInteractive ? .terminal : .periodic
        }
        self.status = status
        var initial = State()
        // Summary lines: the first one after one interval (a short run stays quiet), however
        // many phases it goes through.
        if mode == .periodic { initial.lastDrawn = Date() }
        state = Mutex(initial)
    }

    /// The callback to hand to the work.
    var callback: @Sendable (BackupProgress) -> Void {
        { [self] in show($0) }
    }

    func show(_ progress: BackupProgress) {
        let now = Date()
        let finished = progress.phase == "Done"
        let (line, draw, report): (String?, Bool, Bool) = state.withLock { state in
            if progress.phase != state.phase {
                state.phase = progress.phase
                state.phaseStarted = now
            }
            if finished { return (nil, false, false) }
            let interval = mode == .terminal ? Self.redrawInterval : Self.summaryInterval
            let last = progress.total > 0 && progress.done >= progress.total
            let draw = mode != .off && (now.timeIntervalSince(state.lastDrawn) >= interval || (last && mode == .terminal))
            let report = status != nil && now.timeIntervalSince(state.lastStatus) >= 1
            guard draw || report else { return (nil, false, false) }
            if draw { state.lastDrawn = now; state.drawnSomething = true }
            if report { state.lastStatus = now }
            return (Self.line(progress, elapsed: now.timeIntervalSince(state.phaseStarted)), draw, report)
        }
        if finished {
            clear()
            status?("Index complete")
            return
        }
        guard let line else { return }
        if report { status?(line) }
        guard draw else { return }
        switch mode {
        case .terminal: FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        case .periodic: FileHandle.standardError.write(Data("\(Journal.prefix(.info))dupfs: \(line)\n".utf8))
        case .off: break
        }
    }

    /// Removes the terminal line (before other output).
    func clear() {
        if mode == .terminal { Terminal.clearLine() }
    }

    /// `Restoring: 1.2 GiB of 4.0 GiB, 120/900 files, 35.1 MiB/s, elapsed 0:35, 1:22 left`.
    static func line(_ progress: BackupProgress, elapsed: Double) -> String {
        let seconds = max(0.001, elapsed)
        var parts: [String] = []
        var left: Double?
        if progress.bytesTotal > 0 {
            parts.append("\(Formatting.size(progress.bytesDone)) of \(Formatting.size(progress.bytesTotal))")
            if progress.total > 0 { parts.append("\(progress.done)/\(progress.total)") }
            let rate = Double(progress.bytesDone) / seconds
            parts.append("\(Formatting.size(Int64(rate)))/s")
            if rate > 0, progress.bytesTotal > progress.bytesDone {
                left = Double(progress.bytesTotal - progress.bytesDone) / rate
            }
        } else {
            parts.append("\(progress.done)/\(progress.total)")
            let rate = Double(progress.done) / seconds
            parts.append(String(format: "%.1f/s", rate))
            if rate > 0, progress.total > progress.done { left = Double(progress.total - progress.done) / rate }
        }
        parts.append("elapsed \(clock(elapsed))")
        parts.append(left.map { "\(clock($0)) left" } ?? "time left unknown")
        return "\(progress.phase): " + parts.joined(separator: ", ")
    }

    /// `1:02:03` or `2:03`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
