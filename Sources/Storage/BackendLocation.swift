import Foundation

/// A backup location as the user wrote it: `file:///path`, a plain path, or `pcloud://host/Folder`.
package enum BackendLocation: Sendable, Equatable {
    /// A local folder.
    case folder(path: String)
    /// A pCloud folder: API host, folder path, and the token when the URL carried one (`?authid=`).
    case pcloud(host: String, folder: String, authid: String?)

    /// Parses a location.
    /// - Parameter text: the URL or path.
    /// - Throws: ``StorageError/invalidLocation(_:)`` for anything malformed; the message never
    ///   repeats a token.
    package init(parsing text: String) throws {
        if text.isEmpty { throw StorageError.invalidLocation("empty backup URL") }
        guard let schemeEnd = text.range(of: "://") else {
            self = .folder(path: text)
            return
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = String(text[schemeEnd.upperBound...])
        switch scheme {
        case "file":
            var path = rest
            if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
            guard path.hasPrefix("/") else {
                throw StorageError.invalidLocation("file URLs need an absolute path: file:///path/to/backup")
            }
            self = .folder(path: path.removingPercentEncoding ?? path)
        case "pcloud":
            var hostAndPath = rest
            var query = ""
            if let q = rest.firstIndex(of: "?") {
                hostAndPath = String(rest[..<q])
                query = String(rest[rest.index(after: q)...])
            }
            let slash = hostAndPath.firstIndex(of: "/") ?? hostAndPath.endIndex
            let host = String(hostAndPath[..<slash]).lowercased()
            guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" }) else {
                throw StorageError.invalidLocation("pcloud URLs look like pcloud://api.pcloud.com/Folder/Sub")
            }
            var folder = String(hostAndPath[slash...])
            folder = folder.removingPercentEncoding ?? folder
            if folder.isEmpty { folder = "/" }
            var authid: String?
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.first?.lowercased() == "authid", parts.count == 2 {
                    authid = String(parts[1]).removingPercentEncoding ?? String(parts[1])
                }
            }
            self = .pcloud(host: host, folder: folder, authid: authid)
        default:
            throw StorageError.invalidLocation("unsupported scheme '\(scheme)://' (use file:// or pcloud://)")
        }
    }
}
