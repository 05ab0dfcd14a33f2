import HTTP
import Testing

@Suite struct HTTPClientTests {
    @Test func refusedConnectionIsATransientError() throws {
        let client = try HTTPClient()
        // Port 1 on loopback: nothing listens there in a test environment.
        let error = #expect(throws: HTTPError.self) {
            try client.perform(HTTPRequest(url: "http://127.0.0.1:1/x?authid=SECRET", maxBodyBytes: 10))
        }
        #expect(error?.kind == .couldNotConnect)
        #expect(error?.isTransient == true)
        #expect(error.map { !"\($0)".contains("SECRET") } == true)
    }

    @Test func nonHTTPURLsAreRefused() throws {
        let client = try HTTPClient()
        let error = #expect(throws: HTTPError.self) {
            try client.perform(HTTPRequest(url: "file:///etc/passwd", maxBodyBytes: 10))
        }
        #expect(error?.kind == .invalidRequest)
    }
}
