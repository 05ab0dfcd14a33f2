import Foundation
import HTTP
import Logging

/// pCloud's HTTP JSON API and its content hosts, with retries; no caching, no user-facing words.
package final class PCloudAPI: Sendable {
    /// The largest JSON answer accepted (a listing of a huge folder stays well below).
    private static let maxJSONBytes = 64 << 20

    private let http: HTTPClient
    private let apiBase: String
    private let contentScheme: String
    private let token: String?
    private let retry: RetryLoop
    private let timeouts: HTTPTimeouts
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: base URL, token, CA, retries, timeouts.
    ///   - logger: for retries (never with a token).
    ///   - sleep: pauses between retries (injectable for tests).
    /// - Throws: ``PCloudError/transport(_:operation:)`` when libcurl cannot start.
    package init(
        configuration: PCloudConfiguration, logger: Logger = Logger(label: "dupfs.pcloud"),
        sleep: (@Sendable (Double) -> Void)? = nil
    ) throws(PCloudError) {
        do {
            http = try HTTPClient(
                configuration: HTTPClientConfiguration(
                    caFile: configuration.caFile, timeouts: configuration.timeouts, userAgent: "dupfs pCloud client"),
                logger: logger)
        } catch {
            throw .transport(error, operation: "start HTTP client")
        }
        apiBase = configuration.apiBase
        contentScheme = configuration.apiBase.hasPrefix("http://") ? "http" : "https"
        token = configuration.token
        timeouts = configuration.timeouts
        self.logger = logger
        if let sleep {
            retry = RetryLoop(policy: configuration.retry, logger: logger, sleep: sleep)
        } else {
            retry = RetryLoop(policy: configuration.retry, logger: logger)
        }
    }

    // MARK: Methods

    /// `userinfo`: the account id behind the token.
    /// - Throws: ``PCloudError``.
    package func userID() throws(PCloudError) -> UInt64 {
        let answer: UserInfoResponse = try call("userinfo", [])
        return answer.userid
    }

    /// `listfolder` by path: the files (not folders, not deleted items) directly in a folder.
    /// - Parameter folder: `/A/B`, or `/` for the root (listed as `folderid=0`).
    /// - Returns: the files with id, size and modification time.
    /// - Throws: ``PCloudError``.
    package func listFiles(in folder: String) throws(PCloudError) -> [ListedFile] {
        let parameters = folder == "/" ? [("folderid", "0")] : [("path", folder)]
        let answer: ListFolderResponse = try call("listfolder", parameters)
        var files: [ListedFile] = []
        for item in answer.metadata.contents ?? [] where item.isfolder != true && item.isdeleted != true {
            guard let fileID = item.fileid else { throw .malformed("listfolder: file '\(item.name)' has no fileid") }
            guard let size = item.size, size >= 0 else {
                throw .malformed("listfolder: file '\(item.name)' has no valid size")
            }
            files.append(ListedFile(name: item.name, fileID: fileID, size: size, modified: item.modified.flatMap(PCloudDate.parse)))
        }
        return files
    }

    /// `getfilelink`: a fresh download link.
    /// - Parameter fileID: the file.
    /// - Throws: ``PCloudError``.
    package func fileLink(_ fileID: UInt64) throws(PCloudError) -> FileLink {
        let answer: FileLinkResponse = try call("getfilelink", [("fileid", String(fileID))])
        // A host is pasted into a URL: refuse anything that could change the URL's meaning.
        let hosts = answer.hosts.filter { host in
            !host.isEmpty && host.allSatisfy { $0.isLetter || $0.isNumber || ".-:[]".contains($0) }
        }
        guard !hosts.isEmpty else { throw .malformed("getfilelink: no usable content host") }
        guard answer.path.hasPrefix("/"), !answer.path.contains(where: { $0.isWhitespace || $0 == "#" }) else {
            throw .malformed("getfilelink: unusable link path")
        }
        // Without `expires` (never seen) assume a short life rather than none.
        let expires = answer.expires.flatMap(PCloudDate.parse) ?? Date().addingTimeInterval(300)
        return FileLink(hosts: hosts, path: answer.path, expires: expires)
    }

    /// Reads `count` bytes at `offset` from a link with one ranged GET, trying each content host
    /// in turn. No retries here: the caller renews links and backs off.
    /// - Parameters:
    ///   - link: the download link.
    ///   - offset: first byte.
    ///   - count: how many bytes (at least 1; the range must lie within `size`).
    ///   - size: the file's size as listed.
    /// - Returns: exactly `count` bytes.
    /// - Throws: ``PCloudError``.
    package func readRange(_ link: FileLink, offset: Int64, count: Int, size: Int64) throws(PCloudError) -> [UInt8] {
        guard count > 0, offset >= 0, offset <= size - Int64(count) else {
            throw .malformed("range \(offset)+\(count) lies outside the \(size)-byte file")
        }
        let last = offset + Int64(count) - 1
        var failure: PCloudError = .malformed("no content host")
        for host in link.hosts {
            do {
                return try readRange(from: host, link, offset: offset, last: last, size: size)
            } catch {
                switch error {
                case .transport, .status:
                    failure = error
                    continue  // another host may do better
                default:
                    throw error
                }
            }
        }
        throw failure
    }

    private func readRange(
        from host: String, _ link: FileLink, offset: Int64, last: Int64, size: Int64
    ) throws(PCloudError) -> [UInt8] {
        let count = Int(last - offset + 1)
        // A server that ignores Range sends the whole file; accept that, up to a bound.
        let wholeFileLimit = Int(min(size, 256 << 20))
        let request = HTTPRequest(
            url: "\(contentScheme)://\(host)\(link.path)",
            headers: [("Range", "bytes=\(offset)-\(last)")],
            maxBodyBytes: max(count, wholeFileLimit), timeouts: timeouts)
        let response: HTTPResponse
        do {
            response = try http.perform(request)
        } catch {
            if error.kind == .bodyTooLarge { throw .wrongRange("\(host) sent more bytes than asked for") }
            throw .transport(error, operation: "download")
        }
        switch response.status {
        case 206:
            guard let header = response.header("content-range"), let range = ContentRange(header) else {
                throw .wrongRange("\(host) answered 206 without a valid Content-Range")
            }
            guard range.first == offset, range.last == last else {
                throw .wrongRange("\(host) sent bytes \(range.first)-\(range.last), asked for \(offset)-\(last)")
            }
            if let total = range.total, total != size {
                throw .malformed("\(host) reports a size of \(total) bytes, the listing said \(size): the file changed")
            }
            guard response.body.count == count else {
                throw .wrongRange("\(host) sent \(response.body.count) bytes for a \(count)-byte range")
            }
            return response.body
        case 200:
            guard Int64(response.body.count) == size else {
                throw .wrongRange("\(host) ignored the range and sent \(response.body.count) of \(size) bytes")
            }
            // Bounds hold: 0 <= offset <= last < size == body.count.
            return Array(response.body[Int(offset)...Int(last)])
        case 401, 403, 404, 410:
            throw .staleLink(status: response.status, host: host)
        case 416:
            throw .rangeNotSatisfiable(host: host)
        default:
            throw .status(
                response.status, host: host, operation: "download",
                retryAfter: RetryPolicy.retryAfterSeconds(response.header("retry-after")))
        }
    }

    /// Runs something with this API's retry policy.
    func retrying<T>(_ operation: String, _ body: (Int) throws(PCloudError) -> T) throws(PCloudError) -> T {
        try retry.run(operation, body)
    }

    // MARK: Transport

    /// Calls an API method with retries and decodes its answer.
    private func call<T: Decodable>(_ method: String, _ parameters: [(String, String)]) throws(PCloudError) -> T {
        try retry.run(method) { _ throws(PCloudError) in try callOnce(method, parameters) }
    }

    private func callOnce<T: Decodable>(_ method: String, _ parameters: [(String, String)]) throws(PCloudError) -> T {
        let query = parameters.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        var headers: [(name: String, value: String)] = []
        if let token { headers.append((name: "Authorization", value: "Bearer \(token)")) }
        let request = HTTPRequest(
            url: "\(apiBase)/\(method)" + (query.isEmpty ? "" : "?\(query)"),
            headers: headers, maxBodyBytes: Self.maxJSONBytes, timeouts: timeouts)
        let response: HTTPResponse
        do {
            response = try http.perform(request)
        } catch {
            throw .transport(error, operation: method)
        }
        let host = SecretRedaction.host(of: apiBase)
        let data = Data(response.body)
        let decoder = JSONDecoder()
        let envelope = try? decoder.decode(ResultEnvelope.self, from: data)
        let statusError = PCloudError.status(
            response.status, host: host, operation: method,
            retryAfter: RetryPolicy.retryAfterSeconds(response.header("retry-after")))
        // A gateway's 5xx or a 429 is transient whatever its body says.
        if statusError.isTransient { throw statusError }
        // An error envelope counts whatever the status (pCloud may send errors with 200 or not).
        if let envelope, let code = envelope.result, code != 0 {
            throw .api(code: code, message: envelope.error ?? "", method: method)
        }
        guard (200..<300).contains(response.status) else { throw statusError }
        // A missing `result` is not success (a gateway's JSON page, a cut body).
        guard let envelope, envelope.result == 0 else {
            throw .garbled("\(method) on \(host): the answer is not a pCloud result (\(response.body.count) bytes)")
        }
        do {
            return try decoder.decode(T.self, from: data)
        } catch {
            throw .malformed("\(method) on \(host): unexpected answer shape (\(Self.describe(error)))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: "invalid JSON"
        }
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/".utf8)

    /// Percent-encodes a query value byte by byte (UTF-8), keeping unreserved characters and `/`.
    static func percentEncoded(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
