import Foundation

/// One request as the emulator saw and answered it. Secrets never appear: the token parameters
/// (`access_token`, `auth`, `password`) read `REDACTED`, and only the presence of `Authorization` is kept.
package struct RequestLogEntry: Sendable {
    /// When the request arrived.
    package var time: Date
    /// `https` or `http`.
    package var listener: String
    /// The HTTP verb.
    package var verb: String
    /// The API method name, `download`, `control` (for `/__emulator/`), or the raw path when unknown.
    package var method: String
    /// Query and form parameters, secrets redacted (first occurrence of each name).
    package var parameters: [String: String]
    /// Whether an `Authorization` header was present.
    package var authorization: Bool
    /// The `Range` header, if any.
    package var range: String?
    /// The request's `Content-Type`, if any.
    package var contentType: String?
    /// The request's `Content-Length`, if any.
    package var contentLength: String?
    /// The request's `Transfer-Encoding`, if any.
    package var transferEncoding: String?
    /// The client's address.
    package var peer: String
    /// A number identifying the TCP connection (stable while it stays open).
    package var connection: Int
    /// The HTTP status sent (0 when the connection was dropped before headers).
    package var status: Int = 0
    /// The pCloud `result` sent, for API answers.
    package var result: Int?
    /// Response body bytes actually written.
    package var bytesSent: Int64 = 0
    /// Fault actions that fired, by name.
    package var faults: [String] = []
    /// Milliseconds from arrival to the end of the body.
    package var durationMs: Int = 0

    /// The entry as a JSON object (one log line).
    package var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("time", .string(PCloudDate.iso8601(time))),
            ("listener", .string(listener)),
            ("verb", .string(verb)),
            ("method", .string(method)),
            ("parameters", .object(parameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("authorization", .bool(authorization)),
        ]
        if let range { pairs.append(("range", .string(range))) }
        if let contentType { pairs.append(("contentType", .string(contentType))) }
        if let contentLength { pairs.append(("contentLength", .string(contentLength))) }
        if let transferEncoding { pairs.append(("transferEncoding", .string(transferEncoding))) }
        pairs += [
            ("peer", .string(peer)),
            ("connection", .int(Int64(connection))),
            ("status", .int(Int64(status))),
        ]
        if let result { pairs.append(("result", .int(Int64(result)))) }
        pairs.append(("bytesSent", .int(bytesSent)))
        if !faults.isEmpty { pairs.append(("faults", .array(faults.map { .string($0) }))) }
        pairs.append(("durationMs", .int(Int64(durationMs))))
        return .object(pairs)
    }

    /// Parameter names whose values are never logged.
    static let secretParameters: Set<String> = ["access_token", "auth", "password", "passworddigest", "code"]
}
