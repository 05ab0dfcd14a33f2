import Backup
import Foundation
import Synchronization
import Testing

@Suite struct BlockCacheTests {
    struct Boom: Error {}

    @Test func concurrentRequestsShareOneFetch() throws {
        let cache = BlockCache(capacity: 1 << 20)
        let fetches = Mutex(0)
        let gate = DispatchSemaphore(value: 0)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            if i == 0 { Thread.sleep(forTimeInterval: 0.05); gate.signal() }
            let data = try? cache.block("h") {
                fetches.withLock { $0 += 1 }
                gate.wait()
                gate.signal()
                return [1, 2, 3]
            }
            #expect(data == [1, 2, 3])
        }
        #expect(fetches.withLock { $0 } == 1)
    }

    @Test func failuresAreNotCached() throws {
        let cache = BlockCache(capacity: 1 << 20, failureMemory: 0)
        #expect(throws: Boom.self) { try cache.block("h") { throw Boom() } }
        #expect(try cache.block("h") { [9] } == [9])
        #expect(try cache.block("h") { throw Boom() } == [9])
    }

    @Test func aRecentFailureIsRepeatedAtOnceThenForgotten() throws {
        let cache = BlockCache(capacity: 1 << 20, failureMemory: 0.3)
        #expect(throws: Boom.self) { try cache.block("h") { throw Boom() } }
        let fetched = Mutex(false)
        #expect(throws: Boom.self) { try cache.block("h") { fetched.withLock { $0 = true }; return [1] } }
        #expect(fetched.withLock { $0 } == false)
        let deadline = Date().addingTimeInterval(5)
        var value: [UInt8]?
        while value == nil && Date() < deadline {
            value = try? cache.block("h") { [1] }
            if value == nil { usleep(50_000) }
        }
        #expect(value == [1])
    }

    @Test func sizeStaysWithinCapacity() throws {
        let cache = BlockCache(capacity: 10_000)
        for i in 0..<100 { _ = try cache.block("b\(i)") { [UInt8](repeating: UInt8(i), count: 1000) } }
        #expect(cache.bytes <= 10_000)
        // The most recent block is still there.
        #expect(try cache.block("b99") { throw Boom() } == [UInt8](repeating: 99, count: 1000))
    }
}
