import Foundation

/// A temporary download link from `getfilelink`: content hosts (best first), the path to request
/// on them, and when the link stops working.
package struct FileLink: Sendable, Equatable {
    /// Content hosts, best first (`host` or `host:port`).
    package let hosts: [String]
    /// The request path, already percent-encoded, starting with `/`.
    package let path: String
    /// When pCloud says the link expires.
    package let expires: Date

    /// - Parameters:
    ///   - hosts: content hosts, best first.
    ///   - path: the encoded request path.
    ///   - expires: the expiry instant.
    package init(hosts: [String], path: String, expires: Date) {
        self.hosts = hosts
        self.path = path
        self.expires = expires
    }
}
