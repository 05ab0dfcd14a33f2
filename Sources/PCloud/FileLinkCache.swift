import Foundation
import Synchronization

/// Download links per file id, kept until shortly before they expire.
package final class FileLinkCache: Sendable {
    /// A link is reused only while more than this many seconds of validity remain.
    package let margin: TimeInterval
    private let now: @Sendable () -> Date
    private let links = Mutex<[UInt64: FileLink]>([:])

    /// - Parameters:
    ///   - margin: seconds before `expires` at which a link counts as expired.
    ///   - now: the clock (injectable for tests).
    package init(margin: TimeInterval = 60, now: @escaping @Sendable () -> Date = { Date() }) {
        self.margin = margin
        self.now = now
    }

    /// The cached link of a file, if it is still fresh.
    /// - Parameter fileID: the pCloud file id.
    package func link(for fileID: UInt64) -> FileLink? {
        let instant = now()
        return links.withLock { links in
            guard let link = links[fileID] else { return nil }
            guard instant < link.expires.addingTimeInterval(-margin) else {
                links[fileID] = nil
                return nil
            }
            return link
        }
    }

    /// Remembers a freshly fetched link.
    /// - Parameters:
    ///   - link: the link.
    ///   - fileID: the pCloud file id.
    package func store(_ link: FileLink, for fileID: UInt64) {
        links.withLock { $0[fileID] = link }
    }

    /// Forgets a link that a content host refused, unless another thread already replaced it.
    /// - Parameters:
    ///   - link: the refused link.
    ///   - fileID: the pCloud file id.
    package func invalidate(_ link: FileLink, for fileID: UInt64) {
        links.withLock { links in
            if links[fileID] == link { links[fileID] = nil }
        }
    }
}
