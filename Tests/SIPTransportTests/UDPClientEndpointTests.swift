import NIOCore
import NIOPosix
import Testing
@testable import SIPTransport

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

    @Test func aClosedPortIsReportedAtOnceAsPortUnreachable() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // Bind port 0 to learn a free port, then close it: nothing listens there any more.
        let probe = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { _, _ in }
        let closed = probe.localAddress
        try await probe.close()

        let (stream, continuation) = AsyncStream<any Error>.makeStream()
        let client = try await UDPClientEndpoint.connect(to: closed, on: group, onMessage: { _, _ in },
                                                         onError: { continuation.yield($0) })
        let started = ContinuousClock.now
        client.send(Self.options)
        var iterator = stream.makeAsyncIterator()
        let error = try #require(await iterator.next())
        #expect(isPortUnreachable(error), "got \(error)")
        #expect(ContinuousClock.now - started < .seconds(1), "ICMP arrives in well under a second on loopback")
        try await client.close()
        try await group.shutdownGracefully()
    }
}
