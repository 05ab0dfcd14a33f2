import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension EmulatorResponder {
    /// The control channel under `/__emulator/` (documented in README.md). Requires the header
    /// `X-Emulator-Secret`; control requests are not written to the request log.
    func control(_ request: Request, path: Substring, channel: any Channel) async -> Response {
        guard let secretName = HTTPField.Name("X-Emulator-Secret"), request.headers[secretName] == core.controlSecret else {
            return jsonResponse(.object([("error", .string("missing or wrong X-Emulator-Secret"))]), status: .forbidden)
        }
        let parts = path.split(separator: "/").map(String.init)
        let method = request.method
        let body = request.body
        let object: Any? = await {
            guard method == .post || method == .put else { return nil }
            guard let buffer = try? await body.collect(upTo: 1 << 20), buffer.readableBytes > 0 else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
        }()
        let ok = JSONValue.object([("ok", .bool(true))])

        switch (method, parts.first ?? "", parts.count) {
        case (.get, "state", _), (.get, "", 0):
            return jsonResponse(.object([
                ("contentHost", .string(core.contentHost)),
                ("region", .string(core.tokens.region.rawValue)),
                ("faults", .int(Int64(core.faults.rules.count))),
                ("logEntries", .int(Int64(core.log.entries.count))),
            ]))

        case (.post, "faults", 1):
            let rules: [[String: Any]]
            if let one = object as? [String: Any] {
                rules = [one]
            } else if let many = object as? [[String: Any]] {
                rules = many
            } else {
                return badRequest("body must be a JSON rule object or an array of them")
            }
            var ids: [JSONValue] = []
            for json in rules {
                do {
                    let rule = try FaultRule(json: json)
                    ids.append(.int(Int64(core.faults.add(rule))))
                } catch {
                    return badRequest(error.description)
                }
            }
            return jsonResponse(.object([("ids", .array(ids))]))
        case (.get, "faults", 1):
            return jsonResponse(.array(core.faults.rules.map(\.json)))
        case (.delete, "faults", 1):
            core.faults.clear()
            return jsonResponse(ok)
        case (.delete, "faults", 2):
            guard let id = Int(parts[1]), core.faults.remove(id: id) else { return notFound() }
            return jsonResponse(ok)

        case (.get, "log", 1):
            let text = core.log.entries.map { $0.json.serialized() + "\n" }.joined()
            var headers: HTTPFields = [:]
            headers[.contentType] = "application/x-ndjson"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        case (.delete, "log", 1):
            core.log.clear()
            return jsonResponse(ok)

        case (.post, "tokens", 1):
            guard let json = object as? [String: Any], let token = json["token"] as? String, !token.isEmpty else {
                return badRequest("body must be {\"token\": \"…\", \"region\": \"us|eu\"}")
            }
            let region = (json["region"] as? String).flatMap(Region.init(rawValue:)) ?? core.tokens.region
            core.tokens.add(token, region: region)
            return jsonResponse(ok)
        case (.post, "tokens", 2) where parts[1] == "revoke":
            guard let json = object as? [String: Any], let token = json["token"] as? String else {
                return badRequest("body must be {\"token\": \"…\"}")
            }
            return jsonResponse(.object([("ok", .bool(true)), ("known", .bool(core.tokens.revoke(token)))]))

        case (.post, "links", 2) where parts[1] == "expire":
            core.links.expireAll()
            return jsonResponse(ok)

        case (.get, "wan", 1):
            return await wanResponse(channel: channel)
        case (.post, "wan", 1), (.put, "wan", 1):
            guard let json = object as? [String: Any] else {
                return badRequest("body must be a JSON object such as {\"latencyMs\": 40, \"connectionRate\": \"20M\", \"linkRate\": \"40M\"}")
            }
            do {
                core.wan.settings = try core.wan.settings.updated(with: json)
            } catch {
                return badRequest(error.description)
            }
            return await wanResponse(channel: channel)

        case (.post, "region", 1):
            guard let json = object as? [String: Any], let name = json["region"] as? String,
                let region = Region(rawValue: name)
            else {
                return badRequest("body must be {\"region\": \"us|eu\"}")
            }
            core.tokens.region = region
            return jsonResponse(ok)

        default:
            return notFound()
        }
    }

    /// The WAN settings, and whether this very connection has `TCP_NODELAY` (read back from the
    /// socket, so it shows what accepted connections really get).
    private func wanResponse(channel: any Channel) async -> Response {
        let noDelay = (try? await channel.getOption(ChannelOptions.socketOption(.tcp_nodelay))).map { $0 != 0 }
        guard case .object(var pairs) = core.wan.settings.json else { return notFound() }
        pairs.append(("tcpNoDelay", noDelay.map { .bool($0) } ?? .string("unknown")))
        return jsonResponse(.object(pairs))
    }

    private func badRequest(_ message: String) -> Response {
        jsonResponse(.object([("error", .string(message))]), status: .badRequest)
    }

    private func notFound() -> Response {
        jsonResponse(.object([("error", .string("no such control endpoint"))]), status: .notFound)
    }
}
