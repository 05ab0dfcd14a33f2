import Foundation
import Hummingbird

/// An API call as the handlers see it: the method name and the merged parameters.
struct APIRequest {
    /// The method name (path with leading slashes removed).
    var method: String
    /// Parameters from the query, then form fields; the first occurrence of a name wins.
    var parameters: [String: String] = [:]
    /// The bearer token from `Authorization`, if any.
    var bearer: String?
    /// The caller's IP address.
    var peerIP: String
    /// The HTTP request headers.
    var headers: HTTPFields

    mutating func merge(_ pairs: [(String, String)]) {
        for (name, value) in pairs where parameters[name] == nil {
            parameters[name] = value
        }
    }

    /// A parameter's value, `nil` when absent.
    func string(_ name: String) -> String? { parameters[name] }

    /// Whether a flag parameter is set (any non-empty value, as pCloud reads flags).
    func flag(_ name: String) -> Bool {
        guard let value = parameters[name] else { return false }
        return !value.isEmpty && value != "0"
    }

    /// A numeric parameter; a present but malformed value throws `invalid`.
    func uint64(_ name: String, invalid: PCloudResult) throws(PCloudFailure) -> UInt64? {
        guard let value = parameters[name] else { return nil }
        guard let number = UInt64(value.trimmingCharactersASCII()) else { throw PCloudFailure(invalid) }
        return number
    }

    /// A Unix-seconds parameter (`mtime`, `ctime`).
    func date(_ name: String) -> Date? {
        guard let value = parameters[name], let seconds = Int64(value.trimmingCharactersASCII()) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Parameters with secrets replaced by `REDACTED`, for the log.
    var redactedParameters: [String: String] {
        var out = parameters
        for key in out.keys where RequestLogEntry.secretParameters.contains(key.lowercased()) {
            out[key] = "REDACTED"
        }
        return out
    }
}

/// A handler's answer: the JSON object (with `result`) and the code it carries.
struct APIAnswer {
    var json: JSONValue
    var result: Int
    /// Extra response headers (e.g. `X-Error`).
    var headers: HTTPFields = [:]
    /// Parameters learnt while handling (multipart upload fields), redacted, for the log.
    var loggedParameters: [String: String]?

    /// A success answer: `result: 0` followed by `fields`.
    static func success(_ fields: [(String, JSONValue)]) -> APIAnswer {
        APIAnswer(json: .object([("result", .int(0))] + fields), result: 0)
    }

    /// An error answer with pCloud's `result` and `error`.
    static func failure(_ result: PCloudResult) -> APIAnswer {
        APIAnswer(json: .object([("result", .int(Int64(result.code))), ("error", .string(result.message))]), result: result.code)
    }
}
