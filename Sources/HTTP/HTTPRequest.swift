/// One HTTP request to send through an ``HTTPClient``.
package struct HTTPRequest: Sendable {
    /// The request method.
    package enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    /// The absolute `http://` or `https://` URL, query included.
    package var url: String
    /// The method; bodies are not supported (every call we make sends none).
    package var method: Method
    /// Extra request headers, sent in this order.
    package var headers: [(name: String, value: String)]
    /// The most body bytes to accept; a longer answer fails with ``HTTPError/Kind-swift.enum/bodyTooLarge``.
    package var maxBodyBytes: Int
    /// Timeouts for this request; `nil` uses the client's.
    package var timeouts: HTTPTimeouts?

    /// - Parameters:
    ///   - url: the absolute URL.
    ///   - method: the method, GET by default.
    ///   - headers: extra headers (for instance `Range` or `Authorization`).
    ///   - maxBodyBytes: the most body bytes to accept.
    ///   - timeouts: per-request timeouts, or `nil` for the client's.
    package init(
        url: String, method: Method = .get, headers: [(name: String, value: String)] = [],
        maxBodyBytes: Int, timeouts: HTTPTimeouts? = nil
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.maxBodyBytes = maxBodyBytes
        self.timeouts = timeouts
    }
}
