import HTTP

/// What went wrong talking to pCloud, before it is put into words for the user as a
/// `StorageError` (see `PCloudStore`).
package indirect enum PCloudError: Error, Sendable {
    /// The API answered `result` ≠ 0.
    case api(code: Int, message: String, method: String)
    /// A host answered an HTTP status we did not expect.
    case status(Int, host: String, operation: String, retryAfter: Double?)
    /// No HTTP answer: timeout, refused or broken connection, TLS failure.
    case transport(HTTPError, operation: String)
    /// The answer could not be parsed (often a body cut short); worth another try.
    case garbled(String)
    /// The answer parsed but lacks something we need; another try will not help.
    case malformed(String)
    /// A content host refused the download link (401, 403, 404, 410): a new link is needed.
    case staleLink(status: Int, host: String)
    /// A content host answered other bytes than the range asked for.
    case wrongRange(String)
    /// The content host says the range starts past the end: the file shrank.
    case rangeNotSatisfiable(host: String)
    /// Retries ran out; `last` is the final failure.
    case exhausted(attempts: Int, last: PCloudError)

    /// Whether another attempt may succeed.
    package var isTransient: Bool {
        switch self {
        case .api(let code, _, _):
            // 4xxx: rate limiting; 5xxx: internal errors (pCloud API notes §5.1).
            (4000..<6000).contains(code)
        case .status(let status, _, _, _):
            [408, 429, 500, 502, 503, 504, 509].contains(status)
        case .transport(let error, _): error.isTransient
        case .garbled, .staleLink, .wrongRange: true
        case .malformed, .rangeNotSatisfiable, .exhausted: false
        }
    }

    /// The server's requested pause, when it sent `Retry-After`.
    package var retryAfter: Double? {
        if case .status(_, _, _, let retryAfter) = self { return retryAfter }
        return nil
    }
}
