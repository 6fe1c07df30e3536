import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import SIPTransport
import TestSupport

@Suite struct UDPClientEndpointTests {
    static let options = Array("OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n".utf8)

    @Test func theConnectedPeerAnswersAndOnlyItsDatagramsArrive() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) {
            message, endpoint in endpoint.send(message.bytes, to: message.source, flush: true)
        }
        let (stream, continuation) = AsyncStream<InboundMessage>.makeStream()
        let client = try await UDPClientEndpoint.connect(to: server.localAddress, on: group,
                                                         onMessage: { m, _ in continuation.yield(m) },
                                                         onError: { _ in })
        client.send(Self.options)
        var iterator = stream.makeAsyncIterator()
        let echo = try #require(await iterator.next())
        #expect(echo.bytes == Self.options)
        #expect(echo.source.port == server.localAddress.port)
        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    /// Nothing else would ever end the wait (the client endpoint has no timer), so the test bounds it: each second
    /// without a report sends again, as the kernel rate-limits ICMP errors machine-wide and may drop one on a busy
    /// machine; the wait is not timed, as a loaded test machine would make any bound flaky.
    @Test func aClosedPortIsReportedAsPortUnreachable() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let closed = try SocketAddress(ipAddress: "127.0.0.1", port: try #require(closedLoopbackUDPPort()))
        let errors = Mutex<[any Error]>([])
        let client = try await UDPClientEndpoint.connect(to: closed, on: group, onMessage: { _, _ in },
                                                         onError: { e in errors.withLock { $0.append(e) } })
        for _ in 0..<10 where errors.withLock({ $0.isEmpty }) {
            client.send(Self.options)
            for _ in 0..<100 where errors.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        }
        let error = try #require(errors.withLock { $0.first }, "no ICMP port unreachable in ten sends")
        #expect(isPortUnreachable(error), "got \(error)")
        try await client.close()
        try await group.shutdownGracefully()
    }
}
