import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A UDP socket *connected* to one peer (RFC 3261 §18.1.1 client side, as health monitors use it).
///
/// Unlike `UDPEndpoint`, the kernel delivers only the peer's datagrams, and an ICMP port-unreachable sent back for
/// one of our datagrams surfaces at once as `ECONNREFUSED` (on Linux, at the next read or write), reported to
/// `onError`. A monitor can then tell "nothing listens there" from "no answer" without waiting for its timeout.
public final class UDPClientEndpoint: SIPEndpoint, @unchecked Sendable {
    // @unchecked: the channel is thread-safe; `remoteAddress`, `localAddress` and `tap` are set once before use.
    public let transport = SIPTransportKind.udp
    public let localAddress: SocketAddress
    public let remoteAddress: SocketAddress
    public let channel: any Channel
    public var eventLoop: any EventLoop { channel.eventLoop }
    let tap: (any SIPTap)?

    private init(channel: any Channel, localAddress: SocketAddress, remoteAddress: SocketAddress, tap: (any SIPTap)?) {
        self.channel = channel
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.tap = tap
    }

    /// Opens a UDP socket on an ephemeral port and connects it to `remote`.
    ///
    /// - Parameters:
    ///   - onMessage: each datagram from the peer, on the socket's event loop.
    ///   - onError: socket errors, on the socket's event loop; `ECONNREFUSED` means the peer's host answered with
    ///     ICMP port-unreachable. The socket stays open after it.
    public static func connect(to remote: SocketAddress, on group: any EventLoopGroup, tap: (any SIPTap)? = nil,
                               onMessage: @escaping InboundHandler,
                               onError: @escaping @Sendable (any Error) -> Void) async throws -> UDPClientEndpoint {
        let box = ClientEndpointBox()
        let bootstrap = DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        UDPClientHandler(box: box, onMessage: onMessage, onError: onError, tap: tap))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: remote).get()
        } catch {
            throw TransportError("cannot open a UDP socket connected to \(remote): \(error)")
        }
        guard let local = channel.localAddress else { throw TransportError("UDP socket has no local address") }
        let endpoint = UDPClientEndpoint(channel: channel, localAddress: local, remoteAddress: remote, tap: tap)
        box.endpoint = endpoint
        return endpoint
    }

    /// Sends to the connected peer. `destination` must be the peer's address (the `SIPEndpoint` interface).
    public func send(_ bytes: [UInt8], to destination: SocketAddress, flush: Bool = true) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        tap.recordUDP(.sent, local: localAddress, remote: remoteAddress, bytes: bytes)
        let box = ClientEndpointBox.ErrorSink(channel: channel)
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenFailure { box.report($0) }
        if flush { channel.writeAndFlush(buffer, promise: promise) } else { channel.write(buffer, promise: promise) }
    }

    /// Sends to the connected peer.
    public func send(_ bytes: [UInt8]) { send(bytes, to: remoteAddress, flush: true) }

    public func flush() { channel.flush() }

    public func close() async throws {
        try await channel.close()
    }
}

/// Whether an error from a connected UDP socket means the peer's port is closed (ICMP port-unreachable).
public func isPortUnreachable(_ error: any Error) -> Bool {
    if let io = error as? IOError { return io.errnoCode == ECONNREFUSED }
    return false
}

final class ClientEndpointBox: @unchecked Sendable {
    // @unchecked: written once after connect, before the first read can reach the handler.
    var endpoint: UDPClientEndpoint?

    /// Forwards a failed write (sendmsg may itself return ECONNREFUSED after an ICMP error) into the pipeline,
    /// so that reads and writes report the same way.
    struct ErrorSink: Sendable {
        let channel: any Channel
        func report(_ error: any Error) {
            guard !(error is ChannelError) else { return }
            channel.pipeline.fireErrorCaught(error)
        }
    }
}

final class UDPClientHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let box: ClientEndpointBox
    let onMessage: InboundHandler
    let onError: @Sendable (any Error) -> Void
    let tap: (any SIPTap)?

    init(box: ClientEndpointBox, onMessage: @escaping InboundHandler, onError: @escaping @Sendable (any Error) -> Void,
         tap: (any SIPTap)?) {
        self.box = box
        self.onMessage = onMessage
        self.onError = onError
        self.tap = tap
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let endpoint = box.endpoint else { return }
        let bytes = Array(envelope.data.readableBytesView)
        tap.recordUDP(.received, local: endpoint.localAddress, remote: envelope.remoteAddress, bytes: bytes)
        onMessage(InboundMessage(bytes: bytes, source: envelope.remoteAddress, local: endpoint.localAddress,
                                 transport: .udp, receivedAt: .now()), endpoint)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onError(error)
    }
}
