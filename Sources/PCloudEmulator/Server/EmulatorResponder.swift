import Foundation
import Hummingbird
import Logging
import NIOCore

/// Routes every request: `/__emulator/…` to the control channel, `/dl/…` to content downloads,
/// anything else to the API (method = path without its leading slashes). Applies fault rules
/// and writes the request log.
struct EmulatorResponder: HTTPResponder {
    typealias Context = EmulatorContext

    let core: EmulatorCore
    /// `https` or `http`.
    let listener: String
    let logger: Logger

    func respond(to request: Request, context: EmulatorContext) async throws -> Response {
        let start = Date()
        var path = Substring(request.uri.path)
        while path.hasPrefix("/") { path = path.dropFirst() }

        if path.hasPrefix("__emulator/") || path == "__emulator" {
            return await control(request, path: path.dropFirst("__emulator".count), channel: context.channel)
        }

        let peer = context.channel.remoteAddress
        let connection = core.connections.record(of: context.channel)
        var entry = RequestLogEntry(
            time: start, listener: listener, verb: request.method.rawValue, method: "", parameters: [:],
            authorization: request.headers[.authorization] != nil, range: request.headers[.range],
            contentType: request.headers[.contentType], contentLength: request.headers[.contentLength],
            transferEncoding: request.headers[values: .transferEncoding].first,
            peer: peer.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?",
            connection: connection.number)
        let peerIP = peer?.ipAddress ?? "?"

        if path.hasPrefix("dl/") {
            entry.method = "download"
            return await download(
                request, code: path.dropFirst(3), peerIP: peerIP, entry: entry, connection: connection, context: context)
        }

        var api = APIRequest(
            method: String(path.prefix { $0 != "/" }), peerIP: peerIP, headers: request.headers)
        entry.method = api.method
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                api.bearer = parts[1].trimmingCharactersASCII()
            }
        }
        api.merge(FormEncoding.decode(Substring(request.uri.query ?? "")))
        var body = request.body
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        if api.method != "uploadfile" {
            if contentType.hasPrefix("application/x-www-form-urlencoded") {
                if let buffer = try? await body.collect(upTo: 1 << 20) {
                    api.merge(FormEncoding.decode(Substring(String(buffer: buffer))))
                }
                body = RequestBody(buffer: ByteBuffer())
            } else if let boundary = MultipartForm.boundary(fromContentType: contentType) {
                if let buffer = try? await body.collect(upTo: 16 << 20),
                    let form = try? MultipartForm(body: Array(buffer.readableBytesView), boundary: boundary)
                {
                    api.merge(form.fields)
                }
                body = RequestBody(buffer: ByteBuffer())
            }
        }
        entry.parameters = api.redactedParameters

        let names = await referencedNames(api)
        let actions = core.faults.fire(method: api.method, names: names)
        var overrides = APIHandler.Overrides()
        var shape = BodyShape(pacer: core.wan.pacer(connection: connection.bucket))
        var delay = 0
        for action in actions {
            switch action {
            case .delay(let ms):
                entry.faults.append("delay")
                delay += ms
            case .linkTTL(let seconds):
                entry.faults.append("linkTTL")
                overrides.linkTTL = TimeInterval(seconds)
            default:
                applyShape(action, to: &shape)
            }
        }
        entry.faults += shape.faultNames
        await waitBeforeAnswer(faultDelay: delay)

        if let answer = actions.first(where: { $0.isAnswer }) {
            switch answer {
            case .dropConnection:
                entry.faults.append("drop")
                return try await drop(context: context, entry: entry, start: start)
            case .result(let code):
                entry.faults.append("result")
                entry.result = code
                return finish(apiResponse(.failure(PCloudResult(code))), entry: entry, shape: shape, start: start)
            case .jsonWithoutResult(let status):
                entry.faults.append("noResult")
                let json = JSONValue.object([("error", .string("Emulated answer without a result field."))])
                return finish(
                    jsonResponse(json, status: HTTPResponse.Status(code: status)), entry: entry, shape: shape, start: start)
            case .httpStatus(let status, let retryAfter, let faultBody):
                entry.faults.append("status")
                return finish(
                    statusResponse(status, retryAfter: retryAfter, body: faultBody), entry: entry, shape: shape, start: start)
            default:
                break
            }
        }

        let handler = APIHandler(core: core, logger: logger)
        let answer = await handler.handle(api, body: body, overrides: overrides)
        entry.result = answer.result
        if let learnt = answer.loggedParameters { entry.parameters = learnt }
        return finish(apiResponse(answer), entry: entry, shape: shape, start: start)
    }

    /// Names of the files/folders an API call refers to, for `nameContains` rule filters.
    private func referencedNames(_ api: APIRequest) async -> [String] {
        var names: [String] = []
        for key in ["filename", "name", "toname", "path", "topath"] {
            if let value = api.parameters[key] { names.append(value) }
        }
        if let id = api.parameters["fileid"].flatMap({ UInt64($0) }), let file = await core.drive.fileIfPresent(id) {
            names.append(file.name)
        }
        if let id = api.parameters["folderid"].flatMap({ UInt64($0) }), let folder = try? await core.drive.folder(id) {
            names.append(folder.name)
        }
        return names
    }

    /// Waits before the status line: the WAN model's latency plus the milliseconds of any
    /// `delay` faults that fired.
    func waitBeforeAnswer(faultDelay milliseconds: Int) async {
        let total = core.wan.settings.latencyMilliseconds + milliseconds
        guard total > 0 else { return }
        try? await Task.sleep(for: .milliseconds(total))
    }

    func applyShape(_ action: FaultAction, to shape: inout BodyShape) {
        switch action {
        case .slowDrip(let rate):
            shape.dripBytesPerSecond = rate
            shape.faultNames.append("drip")
        case .truncate(let bytes):
            shape.truncateAfter = Int64(bytes)
            shape.faultNames.append("truncate")
        case .flipByte(let offset):
            shape.flipOffset = offset.map { Int64($0) } ?? -1
            shape.faultNames.append("flip")
        default:
            break
        }
    }

    // MARK: Responses

    func jsonResponse(_ json: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "private, max-age=0"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: json.serialized())))
    }

    private func apiResponse(_ answer: APIAnswer) -> Response {
        var status = HTTPResponse.Status.ok
        if answer.result != 0 && core.configuration.errorsWithHTTPStatus {
            status = switch answer.result {
            case 1000, 2000, 2094: .unauthorized
            case 2003: .forbidden
            case 2005, 2009: .notFound
            case 4000: .tooManyRequests
            case 5000...5999: .internalServerError
            default: .badRequest
            }
        }
        return jsonResponse(answer.json, status: status, headers: answer.headers)
    }

    func statusResponse(_ code: Int, retryAfter: Int?, body: FaultBody) -> Response {
        let status = HTTPResponse.Status(code: code)
        var headers: HTTPFields = [:]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        switch body {
        case .empty:
            return Response(status: status, headers: headers)
        case .json:
            return jsonResponse(
                .object([("result", .int(Int64(code))), ("error", .string(status.reasonPhrase))]), status: status,
                headers: headers)
        case .html:
            headers[.contentType] = "text/html; charset=utf-8"
            let html = "<html><head><title>\(code) \(status.reasonPhrase)</title></head><body><center><h1>\(code) \(status.reasonPhrase)</h1></center><hr><center>CloudHTTPd</center></body></html>\n"
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
    }

    /// Closes the connection without an answer.
    func drop(context: EmulatorContext, entry: RequestLogEntry, start: Date) async throws -> Response {
        var entry = entry
        entry.status = 0
        entry.durationMs = Int(Date().timeIntervalSince(start) * 1000)
        core.log.append(entry)
        try? await context.channel.close(mode: .all)
        throw ConnectionAbort.dropped
    }

    /// Wraps the body so bytes are shaped and counted, and logs the request when the body ends.
    func finish(_ response: Response, entry: RequestLogEntry, shape: BodyShape, start: Date) -> Response {
        var response = response
        var entry = entry
        entry.status = Int(response.status.code)
        var shape = shape
        let length = response.body.contentLength
        if shape.flipOffset == -1 { shape.flipOffset = Int64((length ?? 0) / 2) }
        let inner = response.body
        let counter = ByteCounter()
        let log = core.log
        let finalShape = shape
        let entryCopy = entry
        response.body = ResponseBody(contentLength: length) { writer in
            let shaped = ShapedBodyWriter(inner: writer, shape: finalShape, counter: counter)
            var done = entryCopy
            do {
                try await inner.write(shaped)
            } catch {
                done.bytesSent = counter.count
                done.durationMs = Int(Date().timeIntervalSince(start) * 1000)
                log.append(done)
                throw error
            }
            done.bytesSent = counter.count
            done.durationMs = Int(Date().timeIntervalSince(start) * 1000)
            log.append(done)
        }
        return response
    }
}
