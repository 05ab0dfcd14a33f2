internal import CCurl

/// Owns one curl easy handle; frees it with `curl_easy_cleanup`. Every `curl_easy_setopt` and
/// `curl_easy_getinfo` of the module goes through the funnels here.
final class CurlEasy {
    /// The `CURL *` handle.
    let handle: UnsafeMutableRawPointer
    /// The host, for error messages.
    let host: String

    /// Creates a handle (`curl_easy_init`).
    /// - Parameter host: the host the handle will talk to, for errors.
    /// - Throws: ``HTTPError`` when curl cannot allocate one.
    init(host: String) throws(HTTPError) {
        try CurlGlobal.ensureInitialized()
        guard let handle = curl_easy_init() else {
            throw HTTPError(kind: .other, code: 0, host: host, message: "curl_easy_init failed")
        }
        self.handle = handle
        self.host = host
    }

    deinit { curl_easy_cleanup(handle) }

    /// Sets a numeric option (`curl_easy_setopt` with a `long`).
    func set(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try check(ccurl_easy_setopt_long(handle, option, value), option)
    }

    /// Sets a string option (`curl_easy_setopt` with a `char *`; curl copies it).
    func set(_ option: CURLoption, _ value: String) throws(HTTPError) {
        try check(ccurl_easy_setopt_string(handle, option, value), option)
    }

    /// Sets a pointer option (`curl_easy_setopt` with a `void *`).
    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(HTTPError) {
        try check(ccurl_easy_setopt_pointer(handle, option, pointer), option)
    }

    /// Sets the request header list (`CURLOPT_HTTPHEADER`); the list must outlive the transfer.
    func set(headers: CurlHeaderList) throws(HTTPError) {
        try check(ccurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headers.head), CURLOPT_HTTPHEADER)
    }

    /// Sets a write or header callback (`CURLOPT_WRITEFUNCTION`, `CURLOPT_HEADERFUNCTION`).
    func set(_ option: CURLoption, callback: curl_write_callback) throws(HTTPError) {
        try check(ccurl_easy_setopt_write_callback(handle, option, callback), option)
    }

    /// The HTTP status of the last answer (`CURLINFO_RESPONSE_CODE`), or 0.
    var responseCode: Int {
        var code = 0
        guard ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK else { return 0 }
        return code
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(HTTPError) {
        guard code != CURLE_OK else { return }
        throw HTTPError(
            kind: .invalidRequest, code: Int32(bitPattern: code.rawValue), host: host,
            message: "curl_easy_setopt(\(option.rawValue)) failed: \(String(cString: curl_easy_strerror(code)))")
    }
}
