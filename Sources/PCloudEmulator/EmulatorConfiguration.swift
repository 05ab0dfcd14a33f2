import Foundation

/// A pCloud data centre. Tokens belong to one; the emulator instance plays one.
package enum Region: String, Sendable, CaseIterable, Codable {
    /// `api.pcloud.com` (locationid 1): checksums carry md5 + sha1.
    case us
    /// `eapi.pcloud.com` (locationid 2): checksums carry sha1 + sha256.
    case eu
}

/// Everything needed to start a ``PCloudEmulatorServer``.
package struct EmulatorConfiguration: Sendable {
    /// The folder served as the account's drive: subfolders are folders, files are files.
    package var root: URL
    /// Accepted access tokens and the region each belongs to.
    package var tokens: [String: Region]
    /// The region this instance plays; tokens of the other region get 2094.
    package var region: Region = .us
    /// The address both listeners bind to.
    package var host: String = "127.0.0.1"
    /// The HTTPS port; 0 picks a free one.
    package var httpsPort: Int = 0
    /// The plain-HTTP port; 0 picks a free one, `nil` disables the plain listener.
    package var httpPort: Int? = 0
    /// Where the test CA and server certificate live (made on demand); `nil` uses a new temp folder.
    package var tlsDirectory: URL? = nil
    /// A file receiving one JSON line per request, in addition to the in-memory log.
    package var requestLogFile: URL? = nil
    /// The secret `/__emulator/` requests must carry in `X-Emulator-Secret`; `nil` makes a random one.
    package var controlSecret: String? = nil
    /// Lifetime of a `getfilelink` link, in seconds (rclone needs more than 30).
    package var linkTTL: TimeInterval = 3600
    /// Answer `listfolder` with `recursive` on folder 0 with 1101, as pCloud has done since 2026-04.
    package var refuseRootRecursive: Bool = false
    /// Answer 5000 when a recursive listing would hold more than this many items.
    package var recursiveItemLimit: Int? = nil
    /// The result code `stat` answers for an unknown `fileid` (unverified on real pCloud).
    package var statUnknownFileResult: Int = 2009
    /// Send API errors with a 4xx/5xx status instead of pCloud's usual HTTP 200.
    package var errorsWithHTTPStatus: Bool = false
    /// Include `path` in metadata (not reliably present on real pCloud).
    package var includePath: Bool = false
    /// Answer `getfilelink` with 7010 when the request carries a `Referer` header.
    package var refuseReferer: Bool = false
    /// The wide-area link the emulator plays: latency before every answer, per-connection and
    /// shared link rates (none by default). Changeable at run time through ``PCloudEmulatorServer/wan``.
    package var wan = WANSettings()
    /// The account's e-mail address, reported by `userinfo`.
    package var email: String = "emulator@example.invalid"
    /// The account's quota in bytes, reported by `userinfo`.
    package var quota: Int64 = 10 * 1024 * 1024 * 1024 * 1024

    /// Makes a configuration serving `root` with the given tokens.
    /// - Parameters:
    ///   - root: The folder served as the drive; it must exist.
    ///   - tokens: Accepted tokens; by default the single token `emulator-token` in region `us`.
    package init(root: URL, tokens: [String: Region] = ["emulator-token": .us]) {
        self.root = root
        self.tokens = tokens
    }
}
