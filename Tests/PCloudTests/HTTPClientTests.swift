import Foundation
#if canImport(Glibc)
import Glibc
#endif
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

/// A loopback TCP socket that accepts connections (through the kernel's backlog) and never answers.
final class SilentListener {
    let port: UInt16
    private let descriptor: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw POSIXError(.EIO)
        }
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(descriptor) }
}

@Suite struct HTTPClientStallTests {
    @Test func aServerThatNeverAnswersTimesOutWithinTheBound() throws {
        let listener = try SilentListener()
        let client = try HTTPClient(
            configuration: HTTPClientConfiguration(timeouts: HTTPTimeouts(connect: 2, stall: 1, total: 3)))
        let start = Date()
        let error = #expect(throws: HTTPError.self) {
            try client.perform(HTTPRequest(url: "http://127.0.0.1:\(listener.port)/x", maxBodyBytes: 10))
        }
        #expect(error?.kind == .timedOut)
        #expect(Date().timeIntervalSince(start) < 5)
    }
}
