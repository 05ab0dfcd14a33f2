internal import CCurl

/// Owns one curl multi handle; frees it with `curl_multi_cleanup`.
///
/// `@unchecked Sendable`: only the engine's worker thread drives the handle; other threads call
/// nothing but `curl_multi_wakeup`, which libcurl documents as callable from any thread
/// (curl_multi_wakeup(3)), and only while the engine is running.
final class CurlMulti: @unchecked Sendable {
    /// The `CURLM *` handle.
    let handle: UnsafeMutableRawPointer

    /// Creates the handle (`curl_multi_init`) and sets its connection cache size.
    /// - Parameter maxIdleConnections: `CURLMOPT_MAXCONNECTS`.
    /// - Throws: ``HTTPError`` when curl cannot allocate it.
    init(maxIdleConnections: Int) throws(HTTPError) {
        try CurlGlobal.ensureInitialized()
        guard let handle = curl_multi_init() else {
            throw HTTPError(kind: .other, code: 0, host: "-", message: "curl_multi_init failed")
        }
        self.handle = handle
        _ = ccurl_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, max(1, maxIdleConnections))
        // Let HTTP/2 streams share one connection (the default since curl 7.62, stated for clarity).
        _ = ccurl_multi_setopt_long(handle, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        // Parallel transfers, but bounded per host (HTTP/2 multiplexes them over fewer).
        _ = ccurl_multi_setopt_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, 8)
    }

    deinit { curl_multi_cleanup(handle) }

    /// Starts driving a transfer (`curl_multi_add_handle`).
    /// - Returns: curl's error text, or `nil` on success.
    func add(_ easy: CurlEasy) -> String? {
        let code = curl_multi_add_handle(handle, easy.handle)
        return code == CURLM_OK ? nil : String(cString: curl_multi_strerror(code))
    }

    /// Stops driving a transfer (`curl_multi_remove_handle`); required before the easy handle is freed.
    func remove(_ easy: CurlEasy) {
        _ = curl_multi_remove_handle(handle, easy.handle)
    }

    /// Runs whatever can run now (`curl_multi_perform`).
    func perform() {
        var running: Int32 = 0
        _ = curl_multi_perform(handle, &running)
    }

    /// Returns the transfers that ended since the last call (`curl_multi_info_read`).
    /// - Returns: pairs of easy handle and result.
    func finishedTransfers() -> [(easy: UnsafeMutableRawPointer, code: CURLcode)] {
        var done: [(easy: UnsafeMutableRawPointer, code: CURLcode)] = []
        var left: Int32 = 0
        while let message = curl_multi_info_read(handle, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            done.append((easy: easy, code: ccurl_msg_result(message)))
        }
        return done
    }

    /// Sleeps until a socket is ready, a timer is due, ``wakeUp()`` is called, or `milliseconds` pass
    /// (`curl_multi_poll`).
    func poll(milliseconds: Int32) {
        var ready: Int32 = 0
        _ = curl_multi_poll(handle, nil, 0, milliseconds, &ready)
    }

    /// Interrupts a ``poll(milliseconds:)`` from any thread (`curl_multi_wakeup`).
    func wakeUp() {
        _ = curl_multi_wakeup(handle)
    }
}
