import Dispatch
import Synchronization
internal import CCurl

/// One request in flight: its easy handle, its collected answer, and the signal its caller waits on.
///
/// `@unchecked Sendable`: libcurl lets a thread use an easy handle as long as no other thread uses
/// it at the same time (libcurl-thread(3)). The caller configures the handle, hands the transfer to
/// the worker, and touches the collected fields again only after ``wait(timeout:)`` returned,
/// which the semaphore orders after the worker's last write.
final class Transfer: @unchecked Sendable {
    /// The easy handle.
    let easy: CurlEasy
    /// The target host, for errors.
    let host: String

    private let headerList: CurlHeaderList
    /// curl writes a NUL-terminated explanation here (`CURLOPT_ERRORBUFFER`, `CURL_ERROR_SIZE` bytes).
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let maxBodyBytes: Int

    // Written by the curl callbacks on the worker thread only.
    private var body: [UInt8] = []
    private var headers: [(name: String, value: String)] = []
    private var bodyOverflowed = false

    private let outcome = Mutex<Result<HTTPResponse, HTTPError>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    /// Prepares an easy handle for a request.
    /// - Parameters:
    ///   - request: what to send.
    ///   - configuration: client defaults.
    /// - Throws: ``HTTPError`` when curl refuses an option.
    init(request: HTTPRequest, configuration: HTTPClientConfiguration) throws(HTTPError) {
        let host = SecretRedaction.host(of: request.url)
        guard request.url.hasPrefix("https://") || request.url.hasPrefix("http://") else {
            throw HTTPError(kind: .invalidRequest, code: 0, host: host, message: "only http and https URLs are supported")
        }
        self.host = host
        self.easy = try CurlEasy(host: host)
        self.maxBodyBytes = max(0, request.maxBodyBytes)
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        var lines = request.headers.map { "\($0.name): \($0.value)" }
        // Never wait for a `100 Continue`; our requests carry no body anyway.
        lines.append("Expect:")
        self.headerList = try CurlHeaderList(lines, host: host)
        try configure(request, configuration)
    }

    deinit {
        // The handle outlives this body (stored properties are released after it): unhook the buffer first.
        try? easy.set(CURLOPT_ERRORBUFFER, pointer: nil)
        errorBuffer.deallocate()
    }

    private func configure(_ request: HTTPRequest, _ configuration: HTTPClientConfiguration) throws(HTTPError) {
        let timeouts = request.timeouts ?? configuration.timeouts
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, 0)
        // Worker threads must not get SIGALRM from curl's resolver timeouts.
        try easy.set(CURLOPT_NOSIGNAL, 1)
        try easy.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        // With HTTP/2, wait for an existing connection to multiplex on rather than opening another.
        try easy.set(CURLOPT_PIPEWAIT, 1)
        try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = configuration.caFile { try easy.set(CURLOPT_CAINFO, caFile) }
        try easy.set(CURLOPT_TCP_KEEPALIVE, 1)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(timeouts.connect))
        try easy.set(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeouts.total))
        try easy.set(CURLOPT_LOW_SPEED_LIMIT, max(1, timeouts.stallBytesPerSecond))
        try easy.set(CURLOPT_LOW_SPEED_TIME, max(1, Int(timeouts.stall.rounded(.up))))
        try easy.set(CURLOPT_USERAGENT, configuration.userAgent)
        switch request.method {
        case .get:
            try easy.set(CURLOPT_HTTPGET, 1)
        case .post:
            try easy.set(CURLOPT_POSTFIELDSIZE, 0)
            try easy.set(CURLOPT_COPYPOSTFIELDS, "")
        }
        try easy.set(headers: headerList)
        try easy.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        let me = Unmanaged.passUnretained(self).toOpaque()
        try easy.set(CURLOPT_WRITEFUNCTION, callback: receiveBody)
        try easy.set(CURLOPT_WRITEDATA, pointer: me)
        try easy.set(CURLOPT_HEADERFUNCTION, callback: receiveHeader)
        try easy.set(CURLOPT_HEADERDATA, pointer: me)
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return Int(min(seconds * 1000, 86_400_000).rounded(.up))
    }

    // MARK: Callbacks (worker thread)

    fileprivate func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= maxBodyBytes - body.count else {
            bodyOverflowed = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    fileprivate func header(line bytes: UnsafeRawBufferPointer) {
        // Strip CR LF as bytes: Swift treats "\r\n" as one Character, so String-level trimming misses it.
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0D || bytes[end - 1] == 0x0A { end -= 1 }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new answer starts (after an interim 1xx): forget the previous one's fields.
            headers.removeAll()
            body.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingWhitespace().lowercased()
        let value = line[line.index(after: colon)...].trimmingWhitespace()
        headers.append((name: name, value: value))
    }

    // MARK: Completion

    /// Records the end of the transfer and wakes the caller. Worker thread only.
    /// - Parameter code: the transfer's CURLcode.
    func complete(_ code: CURLcode) {
        if code == CURLE_OK {
            finish(.success(HTTPResponse(status: easy.responseCode, headers: headers, body: body)))
            return
        }
        let raw = Int32(bitPattern: code.rawValue)
        let text = String(cString: errorBuffer)
        let message = text.isEmpty ? String(cString: curl_easy_strerror(code)) : text
        let kind: HTTPError.Kind = bodyOverflowed ? .bodyTooLarge : Self.kind(of: code)
        let explanation = bodyOverflowed ? "answer longer than the \(maxBodyBytes) bytes expected" : message
        finish(.failure(HTTPError(kind: kind, code: raw, host: host, message: explanation)))
    }

    /// Ends the transfer with an error of ours. Any thread, once.
    func finish(_ result: Result<HTTPResponse, HTTPError>) {
        let first = outcome.withLock { current -> Bool in
            guard current == nil else { return false }
            current = result
            return true
        }
        if first { finished.signal() }
    }

    /// Waits for the transfer to end.
    /// - Parameter timeout: seconds to wait at most.
    /// - Returns: the outcome, or `nil` when the wait timed out.
    func wait(timeout: Double) -> Result<HTTPResponse, HTTPError>? {
        guard finished.wait(timeout: .now() + timeout) == .success else { return nil }
        finished.signal()  // later waits return at once
        return outcome.withLock { $0 }
    }

    private static func kind(of code: CURLcode) -> HTTPError.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: .timedOut
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_PROXY: .couldNotConnect
        case CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_SSL_CONNECT_ERROR, CURLE_WEIRD_SERVER_REPLY:
            .connectionLost
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            .tls
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT: .invalidRequest
        default: .other
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}

/// `CURLOPT_WRITEFUNCTION`: appends body bytes; returning less than given makes curl abort.
private let receiveBody: curl_write_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let (total, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow else { return 0 }
    guard total > 0, let data else { return total }
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.append(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

/// `CURLOPT_HEADERFUNCTION`: called once per complete header line, status line included.
private let receiveHeader: curl_write_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let (total, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow else { return 0 }
    guard total > 0, let data else { return total }
    Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
        .header(line: UnsafeRawBufferPointer(start: data, count: total))
    return total
}
