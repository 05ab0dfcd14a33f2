import Foundation
import Synchronization

/// Verified blocks kept in memory, bounded in bytes, least recently used first out; and
/// single-flight: concurrent requests for a block that is being fetched wait for that one fetch
/// instead of starting their own.
package final class BlockCache: Sendable {
    private let capacity: Int
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var blocks: [String: Entry] = [:]
        var bytes = 0
        var tick: UInt64 = 0
        var inFlight: [String: Flight] = [:]
    }

    private struct Entry {
        let data: [UInt8]
        var used: UInt64
    }

    /// One fetch that others may wait for.
    private final class Flight: Sendable {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<[UInt8], any Error>?>(nil)
        let waiters = Mutex(0)
    }

    /// - Parameter capacity: bytes of block data to keep (0 keeps nothing but still shares fetches).
    package init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// The cached block, or the result of `fetch`, run once however many threads ask at once.
    /// Failures are not cached.
    package func block(_ hash: String, fetch: () throws -> [UInt8]) throws -> [UInt8] {
        enum Role { case hit([UInt8]), leader(Flight), follower(Flight) }
        let role: Role = state.withLock { state in
            if var entry = state.blocks[hash] {
                state.tick += 1
                entry.used = state.tick
                state.blocks[hash] = entry
                return .hit(entry.data)
            }
            if let flight = state.inFlight[hash] {
                flight.waiters.withLock { $0 += 1 }
                return .follower(flight)
            }
            let flight = Flight()
            state.inFlight[hash] = flight
            return .leader(flight)
        }
        switch role {
        case .hit(let data):
            return data
        case .follower(let flight):
            flight.done.wait()
            flight.done.signal()
            guard let result = flight.result.withLock({ $0 }) else { throw BackupError.local("block fetch vanished") }
            return try result.get()
        case .leader(let flight):
            let result = Result { try fetch() }
            flight.result.withLock { $0 = result }
            state.withLock { state in
                state.inFlight[hash] = nil
                if case .success(let data) = result, data.count <= capacity {
                    state.tick += 1
                    if state.blocks[hash] == nil { state.bytes += data.count }
                    state.blocks[hash] = Entry(data: data, used: state.tick)
                    Self.evict(&state, capacity: capacity)
                }
            }
            flight.done.signal()
            return try result.get()
        }
    }

    private static func evict(_ state: inout State, capacity: Int) {
        guard state.bytes > capacity else { return }
        // Drop the least recently used quarter at once, so eviction is rare and cheap.
        let sorted = state.blocks.sorted { $0.value.used < $1.value.used }
        var index = 0
        let goal = capacity - capacity / 4
        while state.bytes > goal && index < sorted.count {
            let (key, entry) = sorted[index]
            state.blocks[key] = nil
            state.bytes -= entry.data.count
            index += 1
        }
    }

    /// Whether a block is held now.
    package func contains(_ hash: String) -> Bool {
        state.withLock { $0.blocks[hash] != nil }
    }

    /// Keeps a verified block fetched elsewhere (a prefetch).
    package func insert(_ hash: String, _ data: [UInt8]) {
        guard data.count <= capacity else { return }
        state.withLock { state in
            guard state.blocks[hash] == nil else { return }
            state.tick += 1
            state.bytes += data.count
            state.blocks[hash] = Entry(data: data, used: state.tick)
            Self.evict(&state, capacity: capacity)
        }
    }

    /// The capacity in bytes.
    package var capacityBytes: Int { capacity }

    /// Bytes held now.
    package var bytes: Int { state.withLock { $0.bytes } }
}
