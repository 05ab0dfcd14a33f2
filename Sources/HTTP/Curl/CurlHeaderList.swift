internal import CCurl

/// Owns a `curl_slist` of request header lines; frees it with `curl_slist_free_all`.
final class CurlHeaderList {
    /// The list head, or `nil` when empty.
    private(set) var head: UnsafeMutablePointer<curl_slist>?

    /// Builds the list.
    /// - Parameter lines: full header lines such as `Range: bytes=0-9`.
    /// - Throws: ``HTTPError`` when curl cannot allocate.
    init(_ lines: [String], host: String) throws(HTTPError) {
        for line in lines {
            // curl_slist_append copies the string; on failure the old list is still ours to free.
            guard let appended = curl_slist_append(head, line) else {
                throw HTTPError(kind: .other, code: 0, host: host, message: "curl_slist_append failed (out of memory)")
            }
            head = appended
        }
    }

    deinit { if let head { curl_slist_free_all(head) } }
}
