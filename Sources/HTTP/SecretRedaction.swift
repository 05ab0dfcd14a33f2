import Foundation

/// Removes credentials from text that may end up in a log line or an error message.
package enum SecretRedaction {
    /// Query parameters whose values are credentials.
    private static let secretParameters = ["authid=", "access_token=", "auth=", "token="]

    /// Replaces the values of credential query parameters and of `Bearer` tokens with `***`.
    /// - Parameter text: any text, for instance a URL or a curl error message.
    /// - Returns: the text with secrets masked.
    package static func redact(_ text: String) -> String {
        var result = text
        for marker in secretParameters + ["Bearer "] {
            result = mask(after: marker, in: result)
        }
        return result
    }

    /// The URL with its query removed, for logs: `https://host/path`.
    /// - Parameter url: an absolute URL.
    /// - Returns: the URL up to (not including) `?` or `#`, with secrets masked.
    package static func withoutQuery(_ url: String) -> String {
        let end = url.firstIndex { $0 == "?" || $0 == "#" } ?? url.endIndex
        return redact(String(url[..<end]))
    }

    /// The `host[:port]` part of an absolute URL, or `"?"`.
    /// - Parameter url: an absolute URL.
    package static func host(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "?" }
        let rest = url[schemeEnd.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var host = rest[..<end]
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        return host.isEmpty ? "?" : String(host)
    }

    private static func mask(after marker: String, in text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let found = rest.range(of: marker, options: .caseInsensitive) {
            // Only a whole parameter name counts: `xauth=` must not match `auth=`.
            let before = found.lowerBound == rest.startIndex ? nil : rest[rest.index(before: found.lowerBound)]
            let isParameterStart = marker.hasSuffix(" ") || (before.map { "?&; \t\"'".contains($0) } ?? true)
            result += rest[..<found.upperBound]
            rest = rest[found.upperBound...]
            guard isParameterStart else { continue }
            let end = rest.firstIndex { "&# \t\r\n\"',;".contains($0) } ?? rest.endIndex
            if end != rest.startIndex { result += "***" }
            rest = rest[end...]
        }
        return result + rest
    }
}
