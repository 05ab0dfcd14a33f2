import Foundation
import Hummingbird
import NIOCore

extension EmulatorResponder {
    /// Serves `GET`/`HEAD /dl/<code>/<name>` (API notes §4, §8.4): 200 or 206 for one range,
    /// 416 past the end, 410 for unknown, expired or foreign-IP links.
    func download(
        _ request: Request, code rest: Substring, peerIP: String, entry: RequestLogEntry, connection: ConnectionRecord,
        context: EmulatorContext
    ) async -> Response {
        var entry = entry
        let start = entry.time
        let code = String(rest.prefix { $0 != "/" })
        let link = core.links.lookup(code)
        let file = await link.asyncFlatMap { await core.drive.fileIfPresent($0.fileID) }
        entry.parameters = ["link": code]
        if let file { entry.parameters["file"] = file.name }

        let actions = core.faults.fire(method: "download", names: [file?.name ?? link?.fileName].compactMap { $0 })
        var shape = BodyShape(pacer: core.wan.pacer(connection: connection.bucket))
        var ignoreRange = false
        var delay = 0
        for action in actions {
            switch action {
            case .delay(let ms):
                entry.faults.append("delay")
                delay += ms
            case .ignoreRange:
                entry.faults.append("ignoreRange")
                ignoreRange = true
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
                return (try? await drop(context: context, entry: entry, start: start)) ?? Response(status: .internalServerError)
            case .httpStatus(let status, let retryAfter, let body):
                entry.faults.append("status")
                return finish(statusResponse(status, retryAfter: retryAfter, body: body), entry: entry, shape: shape, start: start)
            case .foreignIP:
                entry.faults.append("foreignIP")
                return finish(gone(foreignIP: true), entry: entry, shape: shape, start: start)
            case .jsonWithoutResult(let status):
                entry.faults.append("noResult")
                return finish(
                    jsonResponse(.object([("error", .string("Emulated answer without a result field."))]),
                        status: HTTPResponse.Status(code: status)),
                    entry: entry, shape: shape, start: start)
            default:
                break
            }
        }

        guard let link, let file else {
            return finish(gone(foreignIP: false), entry: entry, shape: shape, start: start)
        }
        guard link.issuedTo == peerIP else {
            return finish(gone(foreignIP: true), entry: entry, shape: shape, start: start)
        }
        if let maxSpeed = link.maxSpeed, shape.dripBytesPerSecond == nil {
            shape.dripBytesPerSecond = maxSpeed
        }

        let size = file.size
        var headers: HTTPFields = [:]
        headers[.contentType] = link.contentType ?? file.contentType
        headers[.acceptRanges] = "bytes"
        headers[.lastModified] = PCloudDate.httpString(file.modified)
        headers[.eTag] = "\"\(file.hash)\""
        if link.forceDownload {
            headers[.contentDisposition] = "attachment; filename=\"\(file.name.replacingOccurrences(of: "\"", with: "_"))\""
        }
        let range = ignoreRange ? ByteRange.whole : ByteRange(header: request.headers[.range], size: size)
        let status: HTTPResponse.Status
        let lower: Int64
        let upper: Int64
        switch range {
        case .unsatisfiable:
            var errorHeaders: HTTPFields = [:]
            errorHeaders[.contentRange] = "bytes */\(size)"
            errorHeaders[.contentType] = "text/html; charset=utf-8"
            let html = "<html><body><h1>416 Requested Range Not Satisfiable</h1></body></html>\n"
            return finish(
                Response(status: .rangeNotSatisfiable, headers: errorHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: html))),
                entry: entry, shape: shape, start: start)
        case .whole:
            status = .ok
            lower = 0
            upper = size - 1
        case .partial(let l, let u):
            status = .partialContent
            lower = l
            upper = u
            headers[.contentRange] = "bytes \(l)-\(u)/\(size)"
        }
        let length = max(0, upper - lower + 1)
        headers[.contentLength] = String(length)
        if request.method == .head || length == 0 {
            return finish(Response(status: status, headers: headers), entry: entry, shape: shape, start: start)
        }
        let url = await core.drive.diskURL(of: file)
        let fileIO = FileIO()
        let body = ResponseBody(contentLength: Int(length)) { writer in
            let inner = try await fileIO.loadFile(
                path: url.path, range: Int(lower)...Int(upper), context: context, chunkLength: 256 * 1024)
            try await inner.write(writer)
        }
        return finish(Response(status: status, headers: headers, body: body), entry: entry, shape: shape, start: start)
    }

    /// pCloud's 410 page for an expired/unknown link, or for one issued to another address.
    func gone(foreignIP: Bool) -> Response {
        let text = foreignIP
            ? "This link was generated for another IP address. Try previous step again."
            : "This link has expired or is invalid. Please request a new one."
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/html; charset=utf-8"
        let html = "<html><head><title>410 Gone</title></head><body><h1>410 Gone</h1><p>\(text)</p></body></html>\n"
        return Response(status: .gone, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async -> U?) async -> U? {
        guard let self else { return nil }
        return await transform(self)
    }
}
