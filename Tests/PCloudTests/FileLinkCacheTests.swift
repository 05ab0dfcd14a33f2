import Foundation
import PCloud
import Synchronization
import Testing

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

@Suite struct FileLinkCacheTests {
    @Test func reusesALinkUntilTheMarginBeforeExpiry() {
        let clock = ManualClock()
        let cache = FileLinkCache(margin: 60) { clock.now }
        let link = FileLink(hosts: ["c1"], path: "/a", expires: clock.now.addingTimeInterval(300))
        cache.store(link, for: 7)
        #expect(cache.link(for: 7) == link)
        clock.advance(239)
        #expect(cache.link(for: 7) == link)
        clock.advance(1)
        #expect(cache.link(for: 7) == nil)
    }

    @Test func invalidateKeepsANewerLink() {
        let clock = ManualClock()
        let cache = FileLinkCache(margin: 0) { clock.now }
        let old = FileLink(hosts: ["c1"], path: "/old", expires: clock.now.addingTimeInterval(300))
        let new = FileLink(hosts: ["c1"], path: "/new", expires: clock.now.addingTimeInterval(300))
        cache.store(new, for: 1)
        cache.invalidate(old, for: 1)
        #expect(cache.link(for: 1) == new)
        cache.invalidate(new, for: 1)
        #expect(cache.link(for: 1) == nil)
    }

    @Test func linksAreKeptPerFile() {
        let clock = ManualClock()
        let cache = FileLinkCache(margin: 0) { clock.now }
        let link = FileLink(hosts: ["c1"], path: "/a", expires: clock.now.addingTimeInterval(10))
        cache.store(link, for: 1)
        #expect(cache.link(for: 2) == nil)
    }
}
