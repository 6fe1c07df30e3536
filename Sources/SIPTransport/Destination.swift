import NIOCore

/// Where a message goes: the transport, the address, and for a stream transport the connection it must use
/// (RFC 3261 §18.2.2: a response goes back over the connection its request came in on; §18.1.1: a request over
/// one to the next hop). The engine names destinations only this way, so a stream transport plugs in beside UDP
/// without the calls changing.
public struct Destination: Sendable, Hashable, CustomStringConvertible {
    public var transport: SIPTransportKind
    public var address: SocketAddress
    /// The stream connection to use; nil for UDP, and for a request that may open a new connection.
    public var connection: ConnectionID?

    public init(_ transport: SIPTransportKind, _ address: SocketAddress, connection: ConnectionID? = nil) {
        self.transport = transport
        self.address = address
        self.connection = connection
    }

    /// `127.0.0.1:5060` (`[::1]:5060` for IPv6), as messages and reports name a peer.
    public var hostPort: String { address.hostPort }

    public var description: String { "\(transport.rawValue) \(hostPort)" }
}

/// A stream transport's connection, as its endpoint numbers them.
public struct ConnectionID: Sendable, Hashable {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
}

extension SocketAddress {
    /// `127.0.0.1:5060`, `[::1]:5060`: an address as messages, reports and traces name it.
    public var hostPort: String {
        let ip = ipAddress ?? "?"
        return ip.contains(":") ? "[\(ip)]:\(port ?? 0)" : "\(ip):\(port ?? 0)"
    }
}
