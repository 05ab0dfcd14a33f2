/// A request that produced no usable HTTP answer. Messages hold the host and curl's text, never
/// a URL query or a header value.
package struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely: enough to decide about a retry.
    package enum Kind: Sendable, Equatable {
        /// A connect, stall or overall timeout fired.
        case timedOut
        /// The host could not be resolved or refused the connection.
        case couldNotConnect
        /// The connection broke: reset, closed early, body shorter than announced, HTTP/2 stream error.
        case connectionLost
        /// The TLS handshake or the certificate check failed.
        case tls
        /// The body was longer than the request's `maxBodyBytes`.
        case bodyTooLarge
        /// The request itself was unusable (bad URL, unsupported option).
        case invalidRequest
        /// The client was shut down before the request finished.
        case cancelled
        /// Anything else curl reported.
        case other
    }

    /// The coarse kind.
    package let kind: Kind
    /// The raw `CURLcode` (0 when the failure was ours, not curl's).
    package let code: Int32
    /// The host the request went to (`host` or `host:port`).
    package let host: String
    /// curl's explanation (its error buffer, else `curl_easy_strerror`), with secrets removed.
    package let message: String

    /// - Parameters:
    ///   - kind: the coarse kind.
    ///   - code: the raw CURLcode.
    ///   - host: the host.
    ///   - message: the explanation; secrets are removed here.
    package init(kind: Kind, code: Int32, host: String, message: String) {
        self.kind = kind
        self.code = code
        self.host = host
        self.message = SecretRedaction.redact(message)
    }

    /// Whether trying again may succeed.
    package var isTransient: Bool {
        switch kind {
        case .timedOut, .couldNotConnect, .connectionLost: true
        case .tls, .bodyTooLarge, .invalidRequest, .cancelled, .other: false
        }
    }

    package var description: String { "\(host): \(message) (curl error \(code))" }
}
