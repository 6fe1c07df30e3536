import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A UDP socket speaking SIP (RFC 3261 §18). Each datagram is one message.
///
/// Owns one NIO datagram channel; reads use vector reads (recvmmsg) to take many datagrams per system call. Sends
/// made on the event loop are queued in a `DatagramWriter` and written with one `sendmmsg` at the flush, beside the
/// channel (which holds the same socket); sends from other threads, and what the socket would not take at once, go
/// through the channel.
///
/// With `pacedReads`, the socket is read in bursts: after a burst the endpoint stops reading (and calls
/// `onReadsPaused`) until its owner calls `resumeReading()`. An owner that resumes once per interval (the engine's
/// batch interval) handles each interval's datagrams in one burst and sends the answers in one `sendmmsg`, instead of
/// waking for every datagram; an idle endpoint still wakes as soon as a datagram arrives. What waits when reading
/// resumes is read at once by a `DatagramReader`, beside the channel, and counts as a burst; the channel reads a
/// datagram that comes to an idle endpoint. So a busy endpoint reads once per interval, an idle one at once.
public final class UDPEndpoint: SIPEndpoint, @unchecked Sendable {
    // @unchecked: the channel is thread-safe; `tap` and `localAddress` are set once before any use; `handler` is
    // used only on the channel's event loop.
    public let transport = SIPTransportKind.udp
    public let localAddress: SocketAddress
    public let channel: any Channel
    public var eventLoop: any EventLoop { channel.eventLoop }
    let tap: (any SIPTap)?
    /// The channel's one handler: on the event loop, datagrams are written through its context, which skips the
    /// pipeline's generic `write` (it wraps each envelope in `NIOAny` through dynamic casts).
    let handler: UDPInboundHandler
    /// Percent of outgoing datagrams to drop on purpose (testing through loss, like SIPp's `-lost`); 0 by default.
    public var lossPercent: Double = 0
    /// Writes the event loop's sends straight to the socket; nil once the channel has closed (the descriptor is
    /// then no longer ours to write to).
    var writer: DatagramWriter?
    /// With `pacedReads`, reads what waits on the socket when reading resumes; nil once the channel has closed.
    var reader: DatagramReader?
    /// Datagrams handed to the channel and not yet written by it: while there are some, every send goes through the
    /// channel too, after them.
    private var throughChannel = 0

    private init(channel: any Channel, localAddress: SocketAddress, tap: (any SIPTap)?, handler: UDPInboundHandler,
                 socket: CInt, pacedReads: Bool) {
        self.channel = channel
        self.localAddress = localAddress
        self.tap = tap
        self.handler = handler
        self.writer = DatagramWriter(socket: socket)
        self.reader = pacedReads ? DatagramReader(socket: socket) : nil
    }

    /// Datagrams one `recvmmsg` reads, and the most such calls a burst makes.
    static let vectorReadCount = DatagramReader.batch
    static let burstReads = 16

    /// Binds a UDP socket and starts delivering datagrams to `onMessage` on the socket's event loop.
    ///
    /// - Parameters:
    ///   - address: where to bind; port 0 picks a free port (read `localAddress` back).
    ///   - bufferSize: SO_RCVBUF / SO_SNDBUF in bytes (the kernel may cap it).
    public static func bind(to address: SocketAddress, on group: any EventLoopGroup, tap: (any SIPTap)? = nil,
                            bufferSize: Int = 4 << 20, reusePort: Bool = false, pacedReads: Bool = false,
                            onMessage: @escaping InboundHandler) async throws -> UDPEndpoint {
        let box = EndpointBox()
        let socket = try openSocket(bound: address, reusePort: reusePort)
        let bootstrap = DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(bufferSize))
            .channelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(bufferSize))
            .channelOption(.datagramVectorReadMessageCount, value: vectorReadCount)
            // A vector read splits its buffer into equal slots, one a datagram, and cuts longer datagrams short
            // without a word: each slot takes the largest (RFC 3261 §18.1.1 allows up to 65,535 bytes).
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536 * vectorReadCount))
            .channelOption(.maxMessagesPerRead, value: UInt(burstReads))
            .channelOption(.autoRead, value: !pacedReads)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = UDPInboundHandler(box: box, onMessage: onMessage, pacedReads: pacedReads)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    box.handler = handler
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.withBoundSocket(socket).get()  // the channel owns the socket from here
        } catch {
            throw TransportError("cannot open UDP \(address): \(error)")
        }
        guard let local = channel.localAddress else { throw TransportError("UDP socket has no local address") }
        guard let handler = box.handler else { throw TransportError("UDP socket has no handler") }
        let endpoint = UDPEndpoint(channel: channel, localAddress: local, tap: tap, handler: handler, socket: socket,
                                   pacedReads: pacedReads)
        box.handler = nil
        box.endpoint = endpoint
        return endpoint
    }

    /// A non-blocking UDP socket bound to `address` (with SO_REUSEPORT when asked), for the channel to own: the
    /// endpoint keeps its descriptor to write batches itself.
    private static func openSocket(bound address: SocketAddress, reusePort: Bool) throws -> CInt {
        let family: CInt
        switch address {
        case .v4: family = AF_INET
        case .v6: family = AF_INET6
        case .unixDomainSocket: throw TransportError("cannot bind UDP \(address): not an IP address")
        }
        let fd = Glibc.socket(family, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TransportError("cannot open a UDP socket: \(String(cString: strerror(errno)))") }
        var one: CInt = 1
        let bound = (!reusePort || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<CInt>.size)) == 0)
            && address.withSockAddr({ Glibc.bind(fd, $0, socklen_t($1)) }) == 0
        guard bound else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TransportError("cannot bind UDP \(address): \(reason)")
        }
        return fd
    }

    public func send(_ bytes: [UInt8], to destination: SocketAddress, flush: Bool = true) {
        if lossPercent > 0, Double.random(in: 0..<100) < lossPercent { return }  // lost on purpose: not on the wire
        tap.recordUDP(.sent, local: localAddress, remote: destination, bytes: bytes)
        if channel.eventLoop.inEventLoop {
            if throughChannel == 0, let writer, writer.enqueue(bytes, to: destination, blocked: writeThroughChannel) {
                if flush { self.flush() }
                return
            }
            writeThroughChannel(ByteBuffer(bytes: bytes), to: destination)
            if flush { handler.context?.flush() }
        } else {
            let envelope = AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: bytes))
            if flush { channel.writeAndFlush(envelope, promise: nil) } else { channel.write(envelope, promise: nil) }
        }
    }

    /// On the event loop: a datagram for the channel to write (at its next flush), counted until it is written.
    private func writeThroughChannel(_ buffer: ByteBuffer, to destination: SocketAddress) {
        guard let context = handler.context else { return }  // the channel has closed
        throughChannel += 1
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { [self] _ in throughChannel -= 1 }
        context.write(NIOAny(AddressedEnvelope(remoteAddress: destination, data: buffer)), promise: written)
    }

    public func flush() {
        guard channel.eventLoop.inEventLoop else {
            channel.flush()
            return
        }
        if let writer, writer.count > 0 {
            writer.flush(blocked: writeThroughChannel)
        }
        if throughChannel > 0 { handler.context?.flush() }
    }

    /// With `pacedReads`: whether a burst has been read and reading waits for `resumeReading()`.
    public internal(set) var readsPaused = false
    /// With `pacedReads`: called on the event loop when a burst has been read and reading has paused.
    public var onReadsPaused: (() -> Void)?

    /// With `pacedReads`, reads the next burst of datagrams: those waiting at once (flushing what their handling
    /// sent), after which reading stays paused (`onReadsPaused` is called again); when none waits, the next to arrive
    /// as soon as it comes. Call it on the endpoint's event loop.
    public func resumeReading() {
        guard readsPaused else { return }  // the channel is reading: it delivers what arrives
        if let reader, reader.drain(rounds: Self.burstReads, deliver: { deliver($0, from: $1) }) > 0 {
            flush()
            onReadsPaused?()
            return
        }
        readsPaused = false
        channel.read()
    }

    /// One datagram read, to the tap and the owner.
    func deliver(_ bytes: [UInt8], from source: SocketAddress) {
        tap.recordUDP(.received, local: localAddress, remote: source, bytes: bytes)
        handler.onMessage(InboundMessage(bytes: bytes, source: source, local: localAddress, transport: .udp,
                                         receivedAt: .now()), self)
    }

    public func close() async throws {
        defer { handler.box.endpoint = nil }  // endpoint → handler → box → endpoint: no cycle once closed
        try? await channel.eventLoop.submit { [self] in flush() }.get()  // what is queued goes out first
        try await channel.close()
    }

    /// The channel has closed: its descriptor may soon name another file.
    func channelClosed() {
        writer = nil
        reader = nil
    }
}

/// Lets the handler reach its endpoint, which exists only once the channel is bound.
final class EndpointBox: @unchecked Sendable {
    // @unchecked: written once on bind, before the first read can be delivered to the handler, and cleared once the
    // channel is closed.
    var endpoint: UDPEndpoint?
    /// The handler, from the channel initializer to `bind`, which hands it to the endpoint.
    var handler: UDPInboundHandler?
}

final class UDPInboundHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let box: EndpointBox
    let onMessage: InboundHandler

    /// Whether reading stops after each burst until `UDPEndpoint.resumeReading()` (autoRead is off).
    let pacedReads: Bool

    /// Its context while it is in the pipeline (set and read on the event loop).
    private(set) var context: ChannelHandlerContext?

    init(box: EndpointBox, onMessage: @escaping InboundHandler, pacedReads: Bool = false) {
        self.box = box
        self.onMessage = onMessage
        self.pacedReads = pacedReads
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        if pacedReads { context.read() }  // the first burst; later ones wait for resumeReading()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let endpoint = box.endpoint else { return }
        endpoint.deliver(Array(envelope.data.readableBytesView), from: envelope.remoteAddress)
    }

    func channelInactive(context: ChannelHandlerContext) {
        box.endpoint?.channelClosed()
        context.fireChannelInactive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let endpoint = box.endpoint { endpoint.flush() } else { context.flush() }
        if pacedReads, let endpoint = box.endpoint {
            endpoint.readsPaused = true
            endpoint.onReadsPaused?()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors on an unconnected UDP socket are not fatal for SIP: timers handle the loss.
    }
}
