import NIOCore
import Synchronization

/// One TCP connection as the emulator tracks it.
final class ConnectionRecord: Sendable {
    /// The connection's number in the request log, stable while it stays open.
    let number: Int
    /// The WAN model's per-connection rate limit.
    let bucket = TokenBucket()

    init(number: Int) {
        self.number = number
    }
}

/// Gives every TCP connection a small number, stable while it stays open, and its own token
/// bucket. Thread-safe.
final class ConnectionRegistry: Sendable {
    private struct State {
        var records: [ObjectIdentifier: ConnectionRecord] = [:]
        var next = 1
    }
    private let state = Mutex(State())

    /// The record of `channel`, made on first sight.
    func record(of channel: any Channel) -> ConnectionRecord {
        let key = ObjectIdentifier(channel)
        let (record, isNew) = state.withLock { state -> (ConnectionRecord, Bool) in
            if let record = state.records[key] { return (record, false) }
            let record = ConnectionRecord(number: state.next)
            state.next += 1
            state.records[key] = record
            return (record, true)
        }
        if isNew {
            // Forget the record when the connection closes: ObjectIdentifiers are reused.
            channel.closeFuture.whenComplete { [self] _ in
                _ = state.withLock { $0.records.removeValue(forKey: key) }
            }
        }
        return record
    }

    /// The number of `channel`, assigned on first sight.
    func id(of channel: any Channel) -> Int {
        record(of: channel).number
    }
}
