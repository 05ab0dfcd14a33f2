import Foundation

/// One fault-injection rule: which requests it matches, how often it fires, and what it does.
package struct FaultRule: Sendable, Equatable {
    /// Assigned by the ``FaultController`` when added.
    package var id: Int = 0
    /// An API method name (`listfolder`), `download` for content requests, or `*` for every request.
    package var method: String
    /// When set, only requests naming a file or folder whose name contains this substring match.
    package var nameContains: String?
    /// Fire for this many matching requests, then retire; `nil` fires until cleared.
    package var times: Int?
    /// Chance (0…1) that a matching request fires; `nil` means always.
    package var probability: Double?
    /// What to do.
    package var action: FaultAction

    /// Makes a rule.
    /// - Parameters:
    ///   - method: API method name, `download`, or `*`.
    ///   - nameContains: Optional file/folder name substring filter.
    ///   - times: How many matching requests it fires for; `nil` means until cleared.
    ///   - probability: Optional firing chance.
    ///   - action: What to do.
    package init(
        method: String, nameContains: String? = nil, times: Int? = 1, probability: Double? = nil,
        action: FaultAction
    ) {
        self.method = method
        self.nameContains = nameContains
        self.times = times
        self.probability = probability
        self.action = action
    }

    func matches(method: String, names: [String]) -> Bool {
        guard self.method == "*" || self.method == method else { return false }
        if let nameContains, !nameContains.isEmpty {
            return names.contains { $0.contains(nameContains) }
        }
        return true
    }
}

extension FaultRule {
    /// Parses the JSON shape accepted by `POST /__emulator/faults` (see the README).
    /// - Throws: ``FaultRuleError`` naming the bad field.
    package init(json: [String: Any]) throws(FaultRuleError) {
        guard let method = json["method"] as? String, !method.isEmpty else { throw .missing("method") }
        func int(_ key: String) throws(FaultRuleError) -> Int? {
            guard let raw = json[key], !(raw is NSNull) else { return nil }
            if let number = raw as? NSNumber {
                let double = number.doubleValue
                guard double.isFinite, double >= 0, double <= 1e15 else { throw .invalid(key) }
                return Int(double)
            }
            throw .invalid(key)
        }
        let actionName = json["action"] as? String
        let action: FaultAction
        switch actionName {
        case "status":
            guard let status = try int("status"), (100...599).contains(status) else { throw .missing("status") }
            let bodyName = json["body"] as? String ?? "html"
            guard let body = FaultBody(rawValue: bodyName) else { throw .invalid("body") }
            action = .httpStatus(status, retryAfter: try int("retryAfter"), body: body)
        case "result":
            guard let code = try int("result"), code > 0 else { throw .missing("result") }
            guard method != "download" else { throw .invalid("result rules apply to API methods only") }
            action = .result(code)
        case "noResult":
            action = .jsonWithoutResult(status: try int("status") ?? 200)
        case "delay":
            guard let ms = try int("ms") else { throw .missing("ms") }
            action = .delay(milliseconds: ms)
        case "drip":
            guard let rate = try int("bytesPerSecond"), rate > 0 else { throw .missing("bytesPerSecond") }
            action = .slowDrip(bytesPerSecond: rate)
        case "truncate":
            guard let bytes = try int("afterBytes") else { throw .missing("afterBytes") }
            action = .truncate(afterBytes: bytes)
        case "drop":
            action = .dropConnection
        case "flip":
            action = .flipByte(offset: try int("offset"))
        case "ignoreRange":
            action = .ignoreRange
        case "linkTTL":
            guard let seconds = try int("seconds") else { throw .missing("seconds") }
            action = .linkTTL(seconds: seconds)
        case "foreignIP":
            action = .foreignIP
        default:
            throw .invalid("action")
        }
        var times: Int? = 1
        if let raw = json["times"] {
            if raw is NSNull { times = nil } else { times = try int("times") }
            if times == 0 { times = nil }
        }
        var probability: Double?
        if let p = json["probability"] as? NSNumber {
            guard p.doubleValue >= 0, p.doubleValue <= 1 else { throw .invalid("probability") }
            probability = p.doubleValue
        }
        self.init(
            method: method, nameContains: json["name"] as? String, times: times, probability: probability,
            action: action)
    }

    /// The JSON shape of this rule, as `GET /__emulator/faults` lists it.
    package var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("id", .int(Int64(id))), ("method", .string(method))]
        if let nameContains { pairs.append(("name", .string(nameContains))) }
        pairs.append(("times", times.map { .int(Int64($0)) } ?? .string("forever")))
        if let probability { pairs.append(("probability", .double(probability))) }
        switch action {
        case .httpStatus(let status, let retryAfter, let body):
            pairs += [("action", .string("status")), ("status", .int(Int64(status))), ("body", .string(body.rawValue))]
            if let retryAfter { pairs.append(("retryAfter", .int(Int64(retryAfter)))) }
        case .result(let code): pairs += [("action", .string("result")), ("result", .int(Int64(code)))]
        case .jsonWithoutResult(let status): pairs += [("action", .string("noResult")), ("status", .int(Int64(status)))]
        case .delay(let ms): pairs += [("action", .string("delay")), ("ms", .int(Int64(ms)))]
        case .slowDrip(let rate): pairs += [("action", .string("drip")), ("bytesPerSecond", .int(Int64(rate)))]
        case .truncate(let n): pairs += [("action", .string("truncate")), ("afterBytes", .int(Int64(n)))]
        case .dropConnection: pairs.append(("action", .string("drop")))
        case .flipByte(let offset):
            pairs.append(("action", .string("flip")))
            if let offset { pairs.append(("offset", .int(Int64(offset)))) }
        case .ignoreRange: pairs.append(("action", .string("ignoreRange")))
        case .linkTTL(let seconds): pairs += [("action", .string("linkTTL")), ("seconds", .int(Int64(seconds)))]
        case .foreignIP: pairs.append(("action", .string("foreignIP")))
        }
        return .object(pairs)
    }
}

/// Why a fault rule was refused.
package enum FaultRuleError: Error, Sendable, CustomStringConvertible {
    /// A required field is missing.
    case missing(String)
    /// A field has an unusable value.
    case invalid(String)

    package var description: String {
        switch self {
        case .missing(let field): "missing or invalid field: \(field)"
        case .invalid(let field): "invalid: \(field)"
        }
    }
}
