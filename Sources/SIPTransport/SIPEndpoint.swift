import NIOCore

/// A SIP message as it arrived: whole (streams are framed before this), with where it came from.
public struct InboundMessage: Sendable {
    public let bytes: [UInt8]
    public let source: SocketAddress
    public let local: SocketAddress
    public let transport: SIPTransportKind
    /// Monotonic arrival time, for latency measurement.
    public let receivedAt: NIODeadline

    public init(bytes: [UInt8], source: SocketAddress, local: SocketAddress, transport: SIPTransportKind,
                receivedAt: NIODeadline) {
        self.bytes = bytes
        self.source = source
        self.local = local
        self.transport = transport
        self.receivedAt = receivedAt
    }
}

/// Receives inbound messages. Called on the endpoint's event loop.
public typealias InboundHandler = @Sendable (InboundMessage, any SIPEndpoint) -> Void

/// A place SIP messages are sent from and received at: a UDP socket, or (later) a TCP/TLS listener and its
/// connections. Datagram and stream endpoints share this interface so the engine does not care which it has.
///
/// Endpoints are bound to one event loop; `send` may be called from any thread, but calls made on the endpoint's
/// own loop (the engine's case) avoid a hop.
public protocol SIPEndpoint: AnyObject, Sendable {
    var transport: SIPTransportKind { get }
    var localAddress: SocketAddress { get }
    var eventLoop: any EventLoop { get }

    /// Queues one message to `destination`; it is written at the next `flush()` (or at once with `flush: true`).
    func send(_ bytes: [UInt8], to destination: SocketAddress, flush: Bool)

    /// Writes queued messages out.
    func flush()

    /// Closes the endpoint; pending writes are flushed first.
    func close() async throws
}

/// Why an endpoint could not be opened.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
