import Foundation

/// A closure run over and over on its own thread until stopped (fault pulses, link expiry).
final class BackgroundLoop: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// Starts the loop; `body` runs, then the thread sleeps `interval` seconds, until `stop()`.
    /// - Parameters:
    ///   - interval: seconds between runs.
    ///   - body: one step; its argument counts the steps from 0.
    init(interval: Double, body: @escaping @Sendable (Int) -> Void) {
        let thread = Thread { [self] in
            var step = 0
            while !isStopped {
                body(step)
                step += 1
                var slept = 0.0
                while slept < interval && !isStopped {
                    usleep(50_000)
                    slept += 0.05
                }
            }
            done.signal()
        }
        thread.start()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Stops the loop and waits for the step in progress.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
    }
}
