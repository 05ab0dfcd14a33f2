import Foundation
import Synchronization

/// The worker thread that drives every transfer of one ``HTTPClient`` through one curl multi
/// handle, so that connections (and HTTP/2 streams) are shared between callers.
final class TransferEngine: Sendable {
    private struct Inbox {
        var added: [Transfer] = []
        var cancelled: [Transfer] = []
        var stopping = false
    }

    private let multi: CurlMulti
    private let inbox = Mutex(Inbox())

    /// Creates the multi handle and starts the worker thread.
    /// - Parameter configuration: the client's configuration.
    /// - Throws: ``HTTPError`` when curl cannot be set up.
    init(configuration: HTTPClientConfiguration) throws(HTTPError) {
        multi = try CurlMulti(maxIdleConnections: configuration.maxIdleConnections)
        let thread = Thread { [self] in run() }
        thread.name = "dupfs-http"
        thread.start()
    }

    /// Queues a transfer for the worker.
    /// - Returns: `false` when the engine is stopping (the transfer was not queued).
    func submit(_ transfer: Transfer) -> Bool {
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.stopping else { return false }
            inbox.added.append(transfer)
            return true
        }
        if accepted { multi.wakeUp() }
        return accepted
    }

    /// Asks the worker to abort a transfer; it completes as ``HTTPError/Kind-swift.enum/cancelled``.
    func cancel(_ transfer: Transfer) {
        let queued = inbox.withLock { inbox -> Bool in
            guard !inbox.stopping else { return false }
            inbox.cancelled.append(transfer)
            return true
        }
        if queued { multi.wakeUp() }
    }

    /// Stops the worker; transfers still running fail as cancelled.
    func stop() {
        inbox.withLock { $0.stopping = true }
        multi.wakeUp()
    }

    private func run() {
        // Keyed by the easy handle's address: what curl_multi_info_read hands back.
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        while true {
            let (added, cancelled, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.added.removeAll()
                    inbox.cancelled.removeAll()
                }
                return (inbox.added, inbox.cancelled, inbox.stopping)
            }
            for transfer in added {
                if let failure = multi.add(transfer.easy) {
                    transfer.finish(.failure(HTTPError(
                        kind: .other, code: 0, host: transfer.host, message: "curl_multi_add_handle: \(failure)")))
                } else {
                    active[transfer.easy.handle] = transfer
                }
            }
            for transfer in cancelled where active.removeValue(forKey: transfer.easy.handle) != nil {
                multi.remove(transfer.easy)
                transfer.finish(.failure(HTTPError(
                    kind: .cancelled, code: 0, host: transfer.host, message: "request abandoned after its deadline")))
            }
            if stopping {
                for transfer in active.values {
                    multi.remove(transfer.easy)
                    transfer.finish(.failure(HTTPError(
                        kind: .cancelled, code: 0, host: transfer.host, message: "HTTP client shut down")))
                }
                active.removeAll()
                // Requests queued after the last drain but before `stopping` was seen.
                let late = inbox.withLock { inbox in defer { inbox.added.removeAll() }; return inbox.added }
                for transfer in late {
                    transfer.finish(.failure(HTTPError(
                        kind: .cancelled, code: 0, host: transfer.host, message: "HTTP client shut down")))
                }
                return
            }
            multi.perform()
            for (easy, code) in multi.finishedTransfers() {
                guard let transfer = active.removeValue(forKey: easy) else { continue }
                multi.remove(transfer.easy)
                transfer.complete(code)
            }
            // Bounded so a lost wake-up can delay work by at most this long.
            multi.poll(milliseconds: active.isEmpty ? 1000 : 100)
        }
    }
}
