import Foundation
import Synchronization

/// Verified blocks kept in memory, bounded in bytes, least recently used first out; and
/// single-flight: concurrent requests for a block that is being fetched wait for that one fetch
/// instead of starting their own.
///
/// A block larger than the whole capacity (a backup with 1 GiB blocks, a small
/// `--memory-cache`) is kept in one slot of its own, the last such block only: without it every
/// read of a few KiB inflated and hashed the whole block again. Memory then stays within the
/// capacity plus one block, which the fetch needed anyway.
package final class BlockCache: Sendable {
    private let capacity: Int
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var blocks: [String: Entry] = [:]
        /// Blocks whose fetch failed recently, with when and why: asked again at once (the
        /// kernel retries a failed read page by page), they fail at once instead of waiting
        /// for the same timeout again.
        var failures: [String: (at: DispatchTime, error: any Error)] = [:]
        var bytes = 0
        var tick: UInt64 = 0
        var inFlight: [String: Flight] = [:]
        /// The last block larger than the capacity.
        var oversized: (hash: String, data: [UInt8])?
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
        /// When the fetch began (uptime ns).
        let started = DispatchTime.now().uptimeNanoseconds
    }

    /// A fetch going on longer than this (ns) is not joined: a new reader fetches itself.
    static let staleFlight: UInt64 = 2_000_000_000

    private let failureMemory: Double

    /// - Parameters:
    ///   - capacity: bytes of block data to keep (0 keeps only the last block, in the oversized
    ///     slot; fetches are shared all the same).
    ///   - failureMemory: seconds a failed fetch is remembered and its error repeated at once
    ///     (0, the default, remembers nothing: a read right after a fault clears must succeed,
    ///     and the mount bounds the kernel's repeated requests per file handle instead).
    package init(capacity: Int, failureMemory: Double = 0) {
        self.capacity = max(0, capacity)
        self.failureMemory = failureMemory
    }

    /// The cached block, or the result of `fetch`, run once however many threads ask at once.
    /// Failures are not cached.
    package func block(_ hash: String, fetch: () throws -> [UInt8]) throws -> [UInt8] {
        try block(hash, retrying: false, fetch: fetch)
    }

    /// - Parameter retrying: a follower whose leader failed fetches once itself (the leader may
    ///   have started while the storage was failing, and it may have recovered since).
    private func block(_ hash: String, retrying: Bool, fetch: () throws -> [UInt8]) throws -> [UInt8] {
        enum Role { case hit([UInt8]), failed(any Error), leader(Flight), follower(Flight) }
        let memory = failureMemory
        let role: Role = state.withLock { state in
            if !retrying, let failure = state.failures[hash] {
                if DispatchTime.now().uptimeNanoseconds < failure.at.uptimeNanoseconds + UInt64(memory * 1e9) {
                    return .failed(failure.error)
                }
                state.failures[hash] = nil
            }
            if var entry = state.blocks[hash] {
                state.tick += 1
                entry.used = state.tick
                state.blocks[hash] = entry
                return .hit(entry.data)
            }
            if let oversized = state.oversized, oversized.hash == hash { return .hit(oversized.data) }
            if let flight = state.inFlight[hash],
               DispatchTime.now().uptimeNanoseconds - flight.started < Self.staleFlight {
                flight.waiters.withLock { $0 += 1 }
                return .follower(flight)
            }
            // None, or one that has been going for a while (maybe stuck in a transfer that
            // stalled before a fault cleared): this reader fetches itself and leads from now on.
            let flight = Flight()
            state.inFlight[hash] = flight
            return .leader(flight)
        }
        switch role {
        case .hit(let data):
            return data
        case .failed(let error):
            throw error
        case .follower(let flight):
            flight.done.wait()
            flight.done.signal()
            guard let result = flight.result.withLock({ $0 }) else { throw BackupError.local("block fetch vanished") }
            if case .failure = result, !retrying {
                return try block(hash, retrying: true, fetch: fetch)
            }
            return try result.get()
        case .leader(let flight):
            let result = Result { try fetch() }
            flight.result.withLock { $0 = result }
            state.withLock { state in
                if state.inFlight[hash] === flight { state.inFlight[hash] = nil }
                if case .failure(let error) = result, memory > 0 {
                    if state.failures.count > 10_000 { state.failures.removeAll() }
                    state.failures[hash] = (DispatchTime.now(), error)
                }
                if case .success(let data) = result {
                    Self.keep(hash, data, in: &state, capacity: capacity)
                }
            }
            flight.done.signal()
            return try result.get()
        }
    }

    private static func keep(_ hash: String, _ data: [UInt8], in state: inout State, capacity: Int) {
        guard data.count <= capacity else {
            state.oversized = (hash, data)
            return
        }
        state.tick += 1
        if state.blocks[hash] == nil { state.bytes += Self.cost(of: data) }
        state.blocks[hash] = Entry(data: data, used: state.tick)
        evict(&state, capacity: capacity)
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
            state.bytes -= Self.cost(of: entry.data)
            index += 1
        }
    }

    /// What a kept block counts against the capacity: its bytes plus what keeping it costs
    /// (key, array and table slot), so that millions of tiny blocks (metadata) stay bounded too.
    static func cost(of data: [UInt8]) -> Int { data.count + entryOverhead }

    /// Bytes of memory one kept block takes beside its data, roughly.
    static let entryOverhead = 160

    /// Whether a block is held now.
    package func contains(_ hash: String) -> Bool {
        state.withLock { $0.blocks[hash] != nil || $0.oversized?.hash == hash }
    }

    /// Keeps a verified block fetched elsewhere (a prefetch).
    package func insert(_ hash: String, _ data: [UInt8]) {
        let capacity = capacity
        state.withLock { state in
            guard state.blocks[hash] == nil else { return }
            Self.keep(hash, data, in: &state, capacity: capacity)
        }
    }

    /// The capacity in bytes.
    package var capacityBytes: Int { capacity }

    /// Bytes held now (data plus ``entryOverhead`` per block), without the oversized slot.
    package var bytes: Int { state.withLock { $0.bytes } }

    /// Bytes of the block held in the oversized slot (0 when none).
    package var oversizedBytes: Int { state.withLock { $0.oversized?.data.count ?? 0 } }
}
