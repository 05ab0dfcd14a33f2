import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What one class's reads came to. Shared by the reader threads, so every change takes the lock.
final class ClassTally: @unchecked Sendable {
    /// The row's name.
    let name: String
    private let lock = NSLock()
    private(set) var operations = 0
    private(set) var right = 0
    private(set) var failed = 0
    private(set) var wrong = 0
    /// Failures of reads that had to succeed (no fault, recovery, unaffected files).
    private(set) var mustPassFailed = 0
    /// Operations longer than the hang limit that did not return the right bytes.
    private(set) var hangs = 0
    /// Operations longer than the hang limit that returned the right bytes: slow, not stuck (the
    /// kernel may ask for a page twice when another reader's `POSIX_FADV_DONTNEED` dropped it
    /// meanwhile, each request within the limit).
    private(set) var slowRight = 0
    /// The longest single open or pread, in milliseconds.
    private(set) var longestMilliseconds = 0.0
    private(set) var errnos: [Int32: Int] = [:]
    private(set) var examples: [String] = []
    private var extraNotes: [String] = []

    /// A fresh row.
    init(_ name: String) {
        self.name = name
    }

    /// Records one read.
    /// - Parameters:
    ///   - outcome: how it ended.
    ///   - milliseconds: the longest of its system calls.
    ///   - mustPass: whether a failure is itself a finding.
    ///   - hangLimit: milliseconds above which it counts as a hang.
    ///   - detail: where it read, for examples.
    func record(_ outcome: ReadOutcome, milliseconds: Double, mustPass: Bool, hangLimit: Double, detail: @autoclosure () -> String) {
        lock.lock()
        defer { lock.unlock() }
        operations += 1
        longestMilliseconds = max(longestMilliseconds, milliseconds)
        if milliseconds > hangLimit {
            if case .right = outcome {
                slowRight += 1
                if examples.count < 6 { examples.append("slow but right \(Int(milliseconds)) ms: \(detail())") }
            } else {
                hangs += 1
                if examples.count < 6 { examples.append("HANG \(Int(milliseconds)) ms: \(detail())") }
            }
        }
        switch outcome {
        case .right:
            right += 1
        case .failed(let code):
            failed += 1
            errnos[code, default: 0] += 1
            if mustPass {
                mustPassFailed += 1
                if examples.count < 6 { examples.append("must-pass failed (\(Self.errnoName(code))): \(detail())") }
            }
        case .wrong(let why):
            wrong += 1
            if examples.count < 6 { examples.append("WRONG \(why): \(detail())") }
        }
    }

    /// Adds a free-text note to the row.
    func note(_ text: String) {
        lock.lock()
        extraNotes.append(text)
        lock.unlock()
    }

    /// Adds another tally's counts to this one (for summary rows).
    func absorb(_ other: ClassTally, label: String) {
        lock.lock()
        defer { lock.unlock() }
        operations += other.operations
        right += other.right
        failed += other.failed
        wrong += other.wrong
        mustPassFailed += other.mustPassFailed
        hangs += other.hangs
        slowRight += other.slowRight
        longestMilliseconds = max(longestMilliseconds, other.longestMilliseconds)
        for (code, count) in other.errnos { errnos[code, default: 0] += count }
        for example in other.examples where examples.count < 6 { examples.append("[\(label)] " + example) }
        if other.mustPassFailed > 0 || other.wrong > 0 || other.hangs > 0 { extraNotes.append("after \(label)") }
    }

    /// The notes column: errno counts and free notes.
    var notes: String {
        lock.lock()
        defer { lock.unlock() }
        var parts = errnos.sorted { $0.key < $1.key }.map { "\(Self.errnoName($0.key))×\($0.value)" }
        if slowRight > 0 { parts.append("slow but right×\(slowRight)") }
        parts += extraNotes
        return parts.joined(separator: " ")
    }

    /// Whether this row shows a dupfs bug.
    var isBad: Bool { wrong > 0 || hangs > 0 || mustPassFailed > 0 }

    /// `EIO`, `ENOENT`, … for the errnos reads see.
    static func errnoName(_ code: Int32) -> String {
        switch code {
        case EIO: "EIO"
        case ENOENT: "ENOENT"
        case ETIMEDOUT: "ETIMEDOUT"
        case ENOTCONN: "ENOTCONN"
        case ECONNABORTED: "ECONNABORTED"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case EINTR: "EINTR"
        case EAGAIN: "EAGAIN"
        case ENOMEM: "ENOMEM"
        case EINVAL: "EINVAL"
        default: "errno\(code)"
        }
    }
}

/// How one read ended.
enum ReadOutcome {
    /// The bytes (and their count) matched the source.
    case right
    /// open or pread failed with this errno.
    case failed(Int32)
    /// Bytes or count differ from the source.
    case wrong(String)
}
