import NIOCore
import Synchronization

/// Gives every TCP connection a small number, stable while it stays open. Thread-safe.
final class ConnectionRegistry: Sendable {
    private struct State {
        var ids: [ObjectIdentifier: Int] = [:]
        var next = 1
    }
    private let state = Mutex(State())

    /// The number of `channel`, assigned on first sight.
    func id(of channel: any Channel) -> Int {
        let key = ObjectIdentifier(channel)
        let (id, isNew) = state.withLock { state -> (Int, Bool) in
            if let id = state.ids[key] { return (id, false) }
            let id = state.next
            state.next += 1
            state.ids[key] = id
            return (id, true)
        }
        if isNew {
            // Forget the number when the connection closes: ObjectIdentifiers are reused.
            channel.closeFuture.whenComplete { [self] _ in
                _ = state.withLock { $0.ids.removeValue(forKey: key) }
            }
        }
        return id
    }
}
