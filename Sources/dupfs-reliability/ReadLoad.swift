import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Many readers in parallel: each opens a random file of the mounted version, reads a random
/// range with pread, compares it with the source bytes, drops the pages from the kernel cache
/// (so the next read of them reaches dupfs again) and closes.
struct ReadLoad {
    /// The version folder, e.g. `MNT/latest`.
    let versionFolder: String
    /// The files to read.
    let files: [ReliabilityFixture.File]
    /// Reader threads.
    let threads: Int
    /// Longest read in bytes.
    let maxLength: Int
    /// Milliseconds above which one call counts as a hang.
    let hangLimit: Double
    /// Past this (ms), a stuck call is declared a hang and the mount is killed to free it.
    let killLimit: Double

    /// Runs until `operations` reads are done or the deadline passes (whichever first), then waits
    /// for the reads in flight.
    /// - Parameters:
    ///   - tally: where the results go.
    ///   - operations: how many reads in all (nil: until the deadline).
    ///   - seconds: the latest time to start a new read.
    ///   - seed: the random seed.
    ///   - mustPass: whether a failed read of a file is itself a finding.
    ///   - onStuck: called (once) when a call has been stuck past `killLimit`.
    func run(
        into tally: ClassTally, operations: Int?, seconds: Double, seed: UInt64,
        mustPass: @escaping @Sendable (ReliabilityFixture.File) -> Bool, onStuck: @escaping @Sendable () -> Void
    ) {
        let deadline = Date().addingTimeInterval(seconds)
        let state = LoadState(remaining: operations ?? Int.max, threads: threads)
        let group = DispatchGroup()
        let readable = files
        for worker in 0..<threads {
            group.enter()
            let thread = Thread { [self] in
                var random = SplitMix(seed: seed &+ UInt64(worker) &* 0x9E37_79B9)
                while Date() < deadline, state.take() {
                    let file = readable[Int(random.next() % UInt64(readable.count))]
                    let size = file.bytes.count
                    let offset = size == 0 ? 0 : Int(random.next() % UInt64(size))
                    let length = 1 + Int(random.next() % UInt64(maxLength))
                    let (outcome, ms) = readOnce(file, offset: offset, length: length) { state.started(worker) }
                    state.finished(worker)
                    tally.record(outcome, milliseconds: ms, mustPass: mustPass(file), hangLimit: hangLimit,
                                 detail: "\(file.relativePath) @\(offset)+\(length)")
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        // Watchdog: a call stuck far past the limit would stall the whole run; killing the server
        // makes the kernel fail it (the row then shows the hang).
        var fired = false
        while group.wait(timeout: .now() + 0.2) == .timedOut {
            if !fired, let oldest = state.oldestStart(), Date().timeIntervalSince(oldest) * 1000 > killLimit {
                fired = true
                tally.note("KILLED a stuck mount after \(Int(killLimit)) ms")
                onStuck()
            }
        }
    }

    /// One open + pread(s) + close; the time is the longest of the calls.
    /// `callStarts` runs before each system call, so the watchdog times single calls.
    private func readOnce(_ file: ReliabilityFixture.File, offset: Int, length: Int, callStarts: () -> Void) -> (ReadOutcome, Double) {
        let path = versionFolder + "/" + file.relativePath
        var longest = 0.0
        callStarts()
        let openStart = DispatchTime.now()
        let fd = open(path, O_RDONLY)
        let openErrno = errno
        longest = Self.milliseconds(since: openStart)
        guard fd >= 0 else { return (.failed(openErrno), longest) }
        defer { close(fd) }
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
        let expected = max(0, min(length, file.bytes.count - offset))
        var buffer = [UInt8](repeating: 0, count: length)
        var done = 0
        // A read may come back short when a later page fails after earlier ones were copied (the
        // kernel then returns what it has); a reader asks again for the rest, as cp does, and the
        // error shows there. Only a 0 (end of file) before the file's end is wrong.
        repeat {
            callStarts()
            let readStart = DispatchTime.now()
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, length - done, off_t(offset + done)) }
            let readErrno = errno
            longest = max(longest, Self.milliseconds(since: readStart))
            _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
            guard count >= 0 else { return (.failed(readErrno), longest) }
            if count == 0 { break }
            done += count
        } while done < expected
        guard done == expected else { return (.wrong("end of file after \(done) bytes, expected \(expected)"), longest) }
        if done > 0 {
            let source = file.bytes[offset..<(offset + done)]
            if !source.elementsEqual(buffer[0..<done]) {
                let first = zip(source, buffer[0..<done]).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
                return (.wrong("first differing byte at file offset \(offset + first)"), longest)
            }
        }
        return (.right, longest)
    }

    private static func milliseconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
    }
}

/// The readers' shared counter and in-flight start times.
private final class LoadState: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private var starts: [Date?]

    init(remaining: Int, threads: Int) {
        self.remaining = remaining
        starts = Array(repeating: nil, count: threads)
    }

    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard remaining > 0 else { return false }
        remaining -= 1
        return true
    }

    func started(_ worker: Int) {
        lock.lock()
        starts[worker] = Date()
        lock.unlock()
    }

    func finished(_ worker: Int) {
        lock.lock()
        starts[worker] = nil
        lock.unlock()
    }

    func oldestStart() -> Date? {
        lock.lock()
        defer { lock.unlock() }
        return starts.compactMap { $0 }.min()
    }
}

/// A tiny deterministic generator per reader thread.
struct SplitMix {
    private var state: UInt64

    /// Starts from a seed.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 64 bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
