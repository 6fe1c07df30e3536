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
/// are queued in a `DatagramWriter` on the event loop (sends from other threads move there) and written with one
/// `sendmmsg` at the flush, beside the channel (which holds the same socket). What the socket would not take at
/// once waits in a backlog, written before any later send at the next flush or a moment later. The channel writes
/// nothing: its write path closes the channel when a send returns an earlier datagram's ICMP error (see
/// `DatagramWriter.flush`), which is no reason to stop using a UDP socket.
///
/// With `pacedReads`, the socket is read in bursts: after a burst the endpoint stops reading (and calls
/// `onReadsPaused`) until its owner calls `resumeReading()`. An owner that resumes once per interval (the engine's
/// batch interval) handles each interval's datagrams in one burst and sends the answers in one `sendmmsg`, instead of
/// waking for every datagram; an idle endpoint still wakes as soon as a datagram arrives. What waits when reading
/// resumes is read at once by a `DatagramReader`, beside the channel, and counts as a burst; the channel reads a
/// datagram that comes to an idle endpoint. So a busy endpoint reads once per interval, an idle one at once.
public final class UDPEndpoint: SIPEndpoint, @unchecked Sendable {
    // @unchecked: the channel is thread-safe; `tap` and `localAddress` are set once before any use; `handler`,
    // `writer`, `reader` and the backlog are used only on the channel's event loop.
    public let transport = SIPTransportKind.udp
    public let localAddress: SocketAddress
    public let channel: any Channel
    public var eventLoop: any EventLoop { channel.eventLoop }
    let tap: (any SIPTap)?
    /// The channel's one handler, which hands on what the channel reads.
    let handler: UDPInboundHandler
    /// Percent of outgoing datagrams to drop on purpose (testing through loss, like SIPp's `-lost`); 0 by default.
    public var lossPercent: Double = 0
    /// Writes the event loop's sends straight to the socket; nil once the channel has closed (the descriptor is
    /// then no longer ours to write to).
    var writer: DatagramWriter?
    /// With `pacedReads`, reads what waits on the socket when reading resumes; nil once the channel has closed.
    var reader: DatagramReader?
    /// Datagrams the socket would not take yet (`EAGAIN`), in the order they were sent: while some wait, every send
    /// waits after them. Written at the next flush, or `backlogRetry` after the socket refused them.
    private var backlog: [([UInt8], SocketAddress)] = []
    private var retryScheduled = false
    static let backlogRetry = TimeAmount.milliseconds(1)

    private init(channel: any Channel, localAddress: SocketAddress, tap: (any SIPTap)?, handler: UDPInboundHandler,
                 socket: CInt, pacedReads: Bool) {
        self.channel = channel
        self.localAddress = localAddress
        self.tap = tap
        self.handler = handler
        let writer = DatagramWriter(socket: socket)
        self.writer = writer
        self.reader = pacedReads ? DatagramReader(socket: socket) : nil
        writer.readPendingErrors = { [weak self] in self?.readErrors() ?? 0 }
    }

    /// Datagrams one `recvmmsg` reads, and the most such calls a burst makes.
    static let vectorReadCount = DatagramReader.batch
    static let burstReads = 16

    /// Binds a UDP socket and starts delivering datagrams to `onMessage` on the socket's event loop.
    ///
    /// - Parameters:
    ///   - address: where to bind; port 0 picks a free port (read `localAddress` back).
    ///   - tap: records each datagram as it crosses the socket, with no call or rules. The engine gives its endpoints
    ///     none: its shards record what they send and receive, with what they know of it.
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
        ICMPErrors.enable(on: fd, family: family)  // where the system has none, a refused call waits for its timers
        return fd
    }

    public func send(_ bytes: [UInt8], to destination: SocketAddress, flush: Bool = true) {
        if lossPercent > 0, Double.random(in: 0..<100) < lossPercent { return }  // lost on purpose: not on the wire
        tap.recordUDP(.sent, local: localAddress, remote: destination, bytes: bytes)
        guard channel.eventLoop.inEventLoop else {
            channel.eventLoop.execute { [self] in write(bytes, to: destination, flush: flush) }
            return
        }
        write(bytes, to: destination, flush: flush)
    }

    /// On the event loop: queues one datagram behind those waiting, and writes the queue when asked.
    private func write(_ bytes: [UInt8], to destination: SocketAddress, flush: Bool) {
        guard let writer else { return }  // the channel has closed
        guard DatagramWriter.accepts(bytes.count, to: destination) else {
            let reason = bytes.count > DatagramWriter.capacity ? EMSGSIZE : EAFNOSUPPORT  // not IPv4 or IPv6
            onSendFailure?(SendFailure(bytes: bytes, destination: destination, reason: String(cString: strerror(reason))))
            return
        }
        if !backlog.isEmpty {
            backlog.append((bytes, destination))
        } else if !writer.enqueue(bytes, to: destination, blocked: hold) {
            backlog.append((bytes, destination))  // after the batch the socket refused
            retryLater()
            return
        }
        if flush { self.flush() }
    }

    /// What the socket would not take: waits in the backlog (empty until now, so the order holds).
    private func hold(_ bytes: [UInt8], _ destination: SocketAddress) {
        backlog.append((bytes, destination))
    }

    public func flush() {
        guard channel.eventLoop.inEventLoop else {
            channel.eventLoop.execute { [self] in flush() }
            return
        }
        guard let writer else { return }
        if !backlog.isEmpty {
            writeBacklog(writer)
        } else if writer.count > 0, !writer.flush(blocked: hold) {
            retryLater()
        }
    }

    /// Writes the backlog, in order, as far as the socket takes it; what it still refuses waits for the next try.
    private func writeBacklog(_ writer: DatagramWriter) {
        var waiting = backlog[...]
        backlog = []  // what the socket refuses again comes back here (`hold`), ahead of what still waits
        while let (bytes, destination) = waiting.first {
            guard writer.enqueue(bytes, to: destination, blocked: hold) else {
                backlog += waiting
                retryLater()
                return
            }
            waiting.removeFirst()
        }
        if writer.count > 0, !writer.flush(blocked: hold) { retryLater() }
    }

    /// Tries the backlog again a moment from now (a full UDP socket empties in well under that).
    private func retryLater() {
        guard !retryScheduled else { return }
        retryScheduled = true
        channel.eventLoop.scheduleTask(in: Self.backlogRetry) { [self] in
            retryScheduled = false
            flush()
        }
    }

    /// Called on the event loop for each message the transport could not send (see `SendFailure`). Set it before
    /// the first send, on the event loop.
    public var onSendFailure: ((SendFailure) -> Void)? {
        didSet { writer?.onRefused = onSendFailure }
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
        if let reader, reader.drain(rounds: Self.burstReads, deliver: { deliver($0, from: $1) }) > 0 || reader.sawError {
            if reader.sawError { readErrors() }
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
        try? await channel.eventLoop.submit { [self] in flush() }.get()  // what is queued goes out first
        try await channel.close()
    }

    /// Reads the ICMP errors waiting on the socket (see `ICMPErrors`), each told to `onSendFailure`: how many. On the
    /// event loop, whenever a read, a send or the channel met an error.
    @discardableResult
    func readErrors() -> Int {
        guard let socket = writer?.socket else { return 0 }  // closed
        return ICMPErrors.drain(socket) { failure in onSendFailure?(failure) }
    }

    /// The channel has closed: its descriptor may soon name another file.
    func channelClosed() {
        writer = nil
        reader = nil
        backlog = []
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

    init(box: EndpointBox, onMessage: @escaping InboundHandler, pacedReads: Bool = false) {
        self.box = box
        self.onMessage = onMessage
        self.pacedReads = pacedReads
    }

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
        // Here, on the event loop, not where `close()` is awaited: the close's promise is kept before this runs,
        // and the endpoint must not write to a descriptor that may already name another socket.
        box.endpoint?.channelClosed()
        box.endpoint = nil  // endpoint → handler → box → endpoint: no cycle once closed
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
        // An ICMP error for a datagram sent (the channel stays open: NIO takes ECONNREFUSED as not fatal). Each
        // waits on the error queue with the datagram it was about, for the calls to fail with it.
        box.endpoint?.readErrors()
    }
}
