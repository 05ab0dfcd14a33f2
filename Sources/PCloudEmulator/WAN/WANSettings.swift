import Foundation

/// How the emulator plays a wide-area link: a wait before every answer and rate limits on the
/// bytes of every answer's body.
///
/// A rate of `nil` means unlimited. Rates are in bytes per second (10^6 bytes = 1 MB).
package struct WANSettings: Sendable, Equatable {
    /// Milliseconds every API call and content download waits before its status line (a round trip).
    package var latencyMilliseconds: Int = 0
    /// Most body bytes per second one TCP connection carries.
    package var connectionRate: Int? = nil
    /// Most body bytes per second all connections together carry (one shared token bucket).
    package var linkRate: Int? = nil

    /// Makes settings; the defaults model no WAN at all.
    /// - Parameters:
    ///   - latencyMilliseconds: The wait before each answer's status line.
    ///   - connectionRate: Bytes per second per connection, or `nil` for no limit.
    ///   - linkRate: Bytes per second for all connections together, or `nil` for no limit.
    package init(latencyMilliseconds: Int = 0, connectionRate: Int? = nil, linkRate: Int? = nil) {
        self.latencyMilliseconds = latencyMilliseconds
        self.connectionRate = connectionRate
        self.linkRate = linkRate
    }

    /// The largest latency accepted: ten minutes.
    package static let latencyLimit = 600_000

    /// The JSON shape `GET /__emulator/wan` answers (a rate reads `"unlimited"` when there is none).
    package var json: JSONValue {
        .object([
            ("latencyMs", .int(Int64(latencyMilliseconds))),
            ("connectionRate", connectionRate.map { .int(Int64($0)) } ?? .string("unlimited")),
            ("linkRate", linkRate.map { .int(Int64($0)) } ?? .string("unlimited")),
        ])
    }

    /// These settings with the fields present in a `POST /__emulator/wan` body changed; absent
    /// fields keep their value. `latencyMs` is a whole number of milliseconds; a rate is a number
    /// of bytes per second or a text such as `"20M"` (see ``parseRate(_:)``), and `0`, `null` or
    /// `"unlimited"` lift the limit.
    /// - Parameter json: The decoded body.
    /// - Returns: The changed settings.
    /// - Throws: ``WANSettingsError`` naming the first bad or unknown field.
    package func updated(with json: [String: Any]) throws(WANSettingsError) -> WANSettings {
        var result = self
        for key in json.keys where !["latencyMs", "connectionRate", "linkRate"].contains(key) {
            throw .unknownField(key)
        }
        if let raw = json["latencyMs"] {
            guard let number = raw as? NSNumber, number.doubleValue.rounded() == number.doubleValue,
                number.doubleValue >= 0, number.doubleValue <= Double(Self.latencyLimit)
            else { throw .invalid("latencyMs", "\(raw)") }
            result.latencyMilliseconds = number.intValue
        }
        for key in ["connectionRate", "linkRate"] {
            guard let raw = json[key] else { continue }
            let rate: Int?
            if raw is NSNull {
                rate = nil
            } else if let text = raw as? String {
                guard let parsed = Self.parseRate(text) else { throw .invalid(key, text) }
                rate = parsed == 0 ? nil : parsed
            } else if let number = raw as? NSNumber, number.doubleValue.isFinite,
                number.doubleValue >= 0, number.doubleValue <= 1e12, number.doubleValue.rounded() == number.doubleValue {
                rate = number.intValue == 0 ? nil : number.intValue
            } else {
                throw .invalid(key, "\(raw)")
            }
            if key == "connectionRate" { result.connectionRate = rate } else { result.linkRate = rate }
        }
        return result
    }

    /// Reads a rate in bytes per second: digits with an optional fraction and an optional
    /// decimal suffix `K` (10^3), `M` (10^6) or `G` (10^9), case-insensitive, optionally followed
    /// by `B/s` (`"20M"`, `"1.5MB/s"`, `"40000000"`). `"unlimited"` and `"0"` read as 0.
    /// - Parameter text: The rate as written.
    /// - Returns: Whole bytes per second, or `nil` when the text is not a rate.
    package static func parseRate(_ text: String) -> Int? {
        var rest = text.trimmingCharacters(in: .whitespaces).lowercased()
        if rest == "unlimited" { return 0 }
        if rest.hasSuffix("b/s") { rest.removeLast(3) } else if rest.hasSuffix("/s") { rest.removeLast(2) }
        var multiplier = 1.0
        switch rest.last {
        case "k": multiplier = 1e3
        case "m": multiplier = 1e6
        case "g": multiplier = 1e9
        default: break
        }
        if multiplier != 1 { rest.removeLast() }
        guard !rest.isEmpty, rest.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            rest.filter({ $0 == "." }).count <= 1, let value = Double(rest)
        else { return nil }
        let bytes = value * multiplier
        guard bytes.isFinite, bytes <= 1e12 else { return nil }
        return Int(bytes.rounded())
    }
}

/// Why a WAN setting was refused.
package enum WANSettingsError: Error, Sendable, CustomStringConvertible {
    /// A field the WAN model does not have.
    case unknownField(String)
    /// A field with an unusable value (field, value as sent).
    case invalid(String, String)

    package var description: String {
        switch self {
        case .unknownField(let field): "unknown field: \(field) (known: latencyMs, connectionRate, linkRate)"
        case .invalid(let field, let value): "invalid \(field): \(value)"
        }
    }
}
