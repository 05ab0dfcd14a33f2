import Foundation
import HTTP

/// Everything a ``PCloudStore`` needs to reach one backup folder.
package struct PCloudConfiguration: Sendable {
    /// The host from the backup URL (`api.pcloud.com` or `eapi.pcloud.com`); names the location.
    package var host: String
    /// The folder path, `/Backups/job1`; `/` is the token's root.
    package var folder: String
    /// The OAuth access token (Duplicati's `authid`), or `nil` when none was given.
    package var token: String?
    /// Where API calls go, e.g. `https://api.pcloud.com` or `https://127.0.0.1:8443` for an emulator.
    /// Content hosts are reached with the same scheme.
    package var apiBase: String
    /// A PEM CA bundle to trust instead of the system's (`CURLOPT_CAINFO`).
    package var caFile: String?
    /// Retries for API calls and content reads.
    package var retry: RetryPolicy
    /// Timeouts of every request.
    package var timeouts: HTTPTimeouts
    /// Seconds before a link's `expires` at which it is renewed.
    package var linkMargin: TimeInterval

    /// - Parameters:
    ///   - host: the host from the URL.
    ///   - folder: the folder path.
    ///   - token: the access token, or `nil`.
    ///   - apiBase: the API base URL; `nil` means `https://<host>`.
    ///   - caFile: a CA bundle, or `nil` for the system's.
    ///   - retry: retry policy.
    ///   - timeouts: request timeouts.
    ///   - linkMargin: link renewal margin in seconds.
    package init(
        host: String, folder: String, token: String?, apiBase: String? = nil, caFile: String? = nil,
        retry: RetryPolicy = RetryPolicy(), timeouts: HTTPTimeouts = HTTPTimeouts(connect: 15, stall: 30, stallBytesPerSecond: 1024, total: 600),
        linkMargin: TimeInterval = 60
    ) {
        self.host = host
        self.folder = Self.normalizedFolder(folder)
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        var base = apiBase ?? "https://\(host)"
        while base.hasSuffix("/") { base.removeLast() }
        self.apiBase = base
        self.caFile = caFile
        self.retry = retry
        self.timeouts = timeouts
        self.linkMargin = linkMargin
    }

    /// How API calls (which carry the token) travel.
    package enum Transport: Sendable, Equatable {
        /// `https://`.
        case encrypted
        /// Plain `http://` to this machine (an emulator, a local proxy): allowed, with a warning.
        case plainLoopback
        /// Plain `http://` to another host: refused, the token would cross the network in clear text.
        case plainRemote(host: String)
    }

    /// How ``apiBase`` reaches the API.
    package var transport: Transport {
        guard apiBase.lowercased().hasPrefix("http://") else { return .encrypted }
        let host = Self.host(ofURL: apiBase)
        return Self.isLoopback(host) ? .plainLoopback : .plainRemote(host: host)
    }

    /// The host of `scheme://[user@]host[:port][/path]`, without brackets or port.
    static func host(ofURL url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        rest = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        return String(rest.prefix { $0 != ":" })
    }

    /// `localhost`, 127.0.0.0/8 or ::1.
    static func isLoopback(_ host: String) -> Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" || lower == "0:0:0:0:0:0:0:1" { return true }
        let octets = lower.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// `/A/B` from `A/B/`, `\A\B`, `//A//B`; `/` for the root.
    package static func normalizedFolder(_ folder: String) -> String {
        let segments = folder.replacingOccurrences(of: "\\", with: "/")
            .split(separator: "/", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && $0 != "." }
        return "/" + segments.joined(separator: "/")
    }
}
