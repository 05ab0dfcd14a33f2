import Foundation

/// The benchmark's one table: a row per measurement, with its target and whether it was met.
struct ResultTable {
    /// One line of the table.
    struct Row {
        /// The letter, e.g. "a", or "d·restic" for a peer's figure.
        let id: String
        /// What was measured.
        let what: String
        /// The figure.
        let measured: String
        /// The target, or "—".
        let target: String
        /// "met", "MISSED (...)", "reference", "info" or an error.
        let verdict: String
    }

    private(set) var rows: [Row] = []

    /// Adds a row.
    mutating func add(_ id: String, _ what: String, _ measured: String, target: String = "—", verdict: String = "info") {
        rows.append(Row(id: id, what: what, measured: measured, target: target, verdict: verdict))
    }

    /// Adds a row for a step that failed.
    mutating func failed(_ id: String, _ what: String, _ error: any Error) {
        add(id, what, "not measured", verdict: "error: \(String(describing: error).prefix(160))")
    }

    /// A target verdict: "met" or "MISSED by ...".
    static func verdict(_ met: Bool, by shortfall: @autoclosure () -> String) -> String {
        met ? "met" : "MISSED by \(shortfall())"
    }

    /// The table as Markdown.
    func markdown() -> String {
        var lines = ["| row | measurement | measured | target | result |", "| --- | --- | --- | --- | --- |"]
        for row in rows {
            let cells = [row.id, row.what, row.measured, row.target, row.verdict].map { $0.replacingOccurrences(of: "|", with: "/") }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}

/// Number formatting for the table.
enum Figures {
    /// Seconds with 3 significant decimals: "0.412 s".
    static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }
    /// Milliseconds, or microseconds below one: "3.21 ms", "0.8 µs".
    static func milliseconds(_ value: Double) -> String {
        value < 0.001 ? String(format: "%.1f µs", value * 1e6) : String(format: "%.2f ms", value * 1000)
    }
    /// MB/s (10^6 bytes).
    static func rate(_ bytes: Int, _ seconds: Double) -> Double { Double(bytes) / 1e6 / max(seconds, 1e-9) }
    /// "123.4 MB/s".
    static func mbps(_ value: Double) -> String { String(format: "%.1f MB/s", value) }
    /// Bytes in binary units: "12.3 MiB".
    static func bytes(_ value: Int) -> String {
        let v = Double(value)
        if v >= 1_073_741_824 { return String(format: "%.2f GiB", v / 1_073_741_824) }
        if v >= 1_048_576 { return String(format: "%.1f MiB", v / 1_048_576) }
        if v >= 1024 { return String(format: "%.1f KiB", v / 1024) }
        return "\(value) B"
    }
    /// "12.3x".
    static func times(_ value: Double) -> String { String(format: "%.1fx", value) }
}
