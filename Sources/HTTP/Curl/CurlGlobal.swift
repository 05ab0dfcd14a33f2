internal import CCurl

/// libcurl's process-wide state.
enum CurlGlobal {
    /// The result of the one `curl_global_init` call. A `static let` runs its initialiser exactly once
    /// and thread-safely, which is what curl_global_init (not itself thread-safe) needs.
    static let initResult: UInt32 = ccurl_global_init_default().rawValue

    /// Makes sure `curl_global_init` ran.
    /// - Throws: ``HTTPError`` when it failed.
    static func ensureInitialized() throws(HTTPError) {
        let code = initResult
        guard code == CURLE_OK.rawValue else {
            throw HTTPError(
                kind: .other, code: Int32(bitPattern: code), host: "-",
                message: "curl_global_init failed: \(String(cString: curl_easy_strerror(CURLcode(rawValue: code))))")
        }
    }
}
