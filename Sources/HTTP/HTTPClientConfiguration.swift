/// How an ``HTTPClient`` connects.
package struct HTTPClientConfiguration: Sendable {
    /// A PEM file of trusted certificate authorities used *instead of* the system store
    /// (`CURLOPT_CAINFO`); `nil` trusts the system's CAs.
    package var caFile: String?
    /// Default timeouts; a request may bring its own.
    package var timeouts: HTTPTimeouts
    /// The `User-Agent` header.
    package var userAgent: String
    /// How many idle connections the client keeps for reuse (`CURLMOPT_MAXCONNECTS`).
    package var maxIdleConnections: Int

    /// - Parameters:
    ///   - caFile: a PEM CA bundle to trust instead of the system's, or `nil`.
    ///   - timeouts: default timeouts.
    ///   - userAgent: the `User-Agent` value.
    ///   - maxIdleConnections: idle connections kept for reuse.
    package init(
        caFile: String? = nil, timeouts: HTTPTimeouts = HTTPTimeouts(), userAgent: String = "dupfs",
        maxIdleConnections: Int = 16
    ) {
        self.caFile = caFile
        self.timeouts = timeouts
        self.userAgent = userAgent
        self.maxIdleConnections = maxIdleConnections
    }
}
