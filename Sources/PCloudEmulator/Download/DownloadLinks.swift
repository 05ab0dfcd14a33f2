import Foundation
import Synchronization

/// A content link handed out by `getfilelink`.
struct DownloadLink: Sendable {
    var code: String
    var fileID: UInt64
    var fileName: String
    /// The address that asked for the link; using it from elsewhere answers 410.
    var issuedTo: String
    var expires: Date
    /// `contenttype` asked for at `getfilelink`, or octet-stream for `forcedownload`.
    var contentType: String?
    var forceDownload: Bool
    /// `maxspeed` asked for (bytes per second).
    var maxSpeed: Int?
    var dwltag: String
}

/// The table of issued content links. Thread-safe.
final class DownloadLinks: Sendable {
    private let links = Mutex([String: DownloadLink]())

    /// Issues a link for a file.
    func issue(
        fileID: UInt64, fileName: String, issuedTo: String, ttl: TimeInterval, contentType: String?,
        forceDownload: Bool, maxSpeed: Int?
    ) -> DownloadLink {
        let link = DownloadLink(
            code: DownloadLinks.randomToken(bytes: 12), fileID: fileID, fileName: fileName, issuedTo: issuedTo,
            expires: Date().addingTimeInterval(ttl), contentType: contentType, forceDownload: forceDownload,
            maxSpeed: maxSpeed, dwltag: DownloadLinks.randomToken(bytes: 8))
        links.withLock { $0[link.code] = link }
        return link
    }

    /// The live (unexpired) link with `code`.
    func lookup(_ code: String) -> DownloadLink? {
        links.withLock { links in
            guard let link = links[code] else { return nil }
            if link.expires <= Date() {
                links[code] = nil
                return nil
            }
            return link
        }
    }

    /// Expires every link now.
    func expireAll() {
        links.withLock { $0.removeAll() }
    }

    static func randomToken(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }
}
