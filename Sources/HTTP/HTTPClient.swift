import Logging

/// A synchronous HTTP client over libcurl.
///
/// One worker thread drives all transfers through a curl multi handle, so connections are reused
/// and several requests run at once; each caller blocks until its own request ends. Call it from
/// worker threads, never from Swift's cooperative pool.
package final class HTTPClient: Sendable {
    /// The configuration it was made with.
    package let configuration: HTTPClientConfiguration
    private let engine: TransferEngine
    private let logger: Logger

    /// Starts a client and its worker thread.
    /// - Parameters:
    ///   - configuration: CA file, timeouts, user agent.
    ///   - logger: where request failures are logged (never with a URL query or header value).
    /// - Throws: ``HTTPError`` when libcurl cannot be initialised.
    package init(
        configuration: HTTPClientConfiguration = HTTPClientConfiguration(),
        logger: Logger = Logger(label: "dupfs.http")
    ) throws(HTTPError) {
        self.configuration = configuration
        self.logger = logger
        self.engine = try TransferEngine(configuration: configuration)
    }

    deinit { engine.stop() }

    /// Sends a request and waits for the complete answer.
    ///
    /// Any HTTP status counts as an answer; only transport failures throw.
    /// - Parameter request: the request.
    /// - Returns: status, headers and body.
    /// - Throws: ``HTTPError`` for timeouts, connection and TLS failures, an over-long body.
    package func perform(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        let transfer = try Transfer(request: request, configuration: configuration)
        guard engine.submit(transfer) else {
            throw HTTPError(kind: .cancelled, code: 0, host: transfer.host, message: "HTTP client shut down")
        }
        let limit = (request.timeouts ?? configuration.timeouts).total
        // curl enforces `total` itself; this outer deadline only guards against a stuck worker.
        var outcome = transfer.wait(timeout: limit + 5)
        if outcome == nil {
            engine.cancel(transfer)
            outcome = transfer.wait(timeout: 30)
        }
        guard let outcome else {
            throw HTTPError(kind: .timedOut, code: 0, host: transfer.host, message: "HTTP worker did not answer")
        }
        switch outcome {
        case .success(let response):
            return response
        case .failure(let error):
            logger.debug(
                "HTTP request failed",
                metadata: ["host": "\(error.host)", "kind": "\(error.kind)", "error": "\(error.message)"])
            throw error
        }
    }
}
