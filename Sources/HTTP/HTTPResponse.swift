/// A complete HTTP answer: status, headers and a bounded body.
package struct HTTPResponse: Sendable {
    /// The status code of the final answer (after any `100 Continue`).
    package let status: Int
    /// Header fields of the final answer, names lower-cased, in arrival order.
    package let headers: [(name: String, value: String)]
    /// The body bytes.
    package let body: [UInt8]

    /// - Parameters:
    ///   - status: the status code.
    ///   - headers: header fields with lower-cased names.
    ///   - body: the body.
    package init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The last value of a header.
    /// - Parameter name: the field name, in any case.
    /// - Returns: the value without surrounding whitespace, or `nil` when absent.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name == wanted }?.value
    }
}
