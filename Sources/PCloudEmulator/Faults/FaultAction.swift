/// What a fault rule does to the requests it matches.
///
/// Several rules may match one request: every matching rule fires (and uses up one of its
/// `times`). Answering actions (``httpStatus(_:retryAfter:body:)``, ``result(_:)``,
/// ``jsonWithoutResult(status:)``, ``dropConnection``, ``foreignIP``) are exclusive: the first one
/// in rule order wins. Shaping actions (delay, drip, truncate, flip, ignore range, link TTL) combine.
package enum FaultAction: Sendable, Equatable {
    /// Answer with this HTTP status (and `Retry-After` seconds when given) instead of the real answer.
    case httpStatus(Int, retryAfter: Int?, body: FaultBody)
    /// Answer an API call with this pCloud result code and its real text (HTTP 200).
    case result(Int)
    /// Answer an API call with a JSON object lacking `result` (Duplicati reads that as success).
    case jsonWithoutResult(status: Int)
    /// Wait this many milliseconds before the status line.
    case delay(milliseconds: Int)
    /// Send the body at most this many bytes per second.
    case slowDrip(bytesPerSecond: Int)
    /// Declare the full `Content-Length`, send only this many body bytes, then close the connection.
    case truncate(afterBytes: Int)
    /// Close the connection before sending any header.
    case dropConnection
    /// XOR the body byte at this offset of the response body (the middle when `nil`) with 0xFF.
    case flipByte(offset: Int?)
    /// Downloads answer 200 with the whole file even when a `Range` was asked for.
    case ignoreRange
    /// `getfilelink` issues its link with this lifetime in seconds (0: already expired).
    case linkTTL(seconds: Int)
    /// Downloads answer 410 "generated for another IP address".
    case foreignIP

    /// Whether this action produces the answer itself (so only one may apply).
    var isAnswer: Bool {
        switch self {
        case .httpStatus, .result, .jsonWithoutResult, .dropConnection, .foreignIP: true
        default: false
        }
    }
}

/// The body sent with an injected HTTP status.
package enum FaultBody: String, Sendable, Equatable {
    /// A small HTML page, like a gateway's.
    case html
    /// A pCloud-style JSON error (`result` = the status, `error` = its reason).
    case json
    /// No body.
    case empty
}
