import NIOCore

/// Which way a message crossed an endpoint.
public enum SIPDirection: String, Sendable, Hashable {
    case sent, received
}

/// The transport a message used (RFC 3261 §18).
public enum SIPTransportKind: String, Sendable, Hashable, CaseIterable {
    case udp = "UDP", tcp = "TCP", tls = "TLS"

    /// Whether the transport itself retransmits (RFC 3261 §17: timers A, E, G are not used then).
    public var isReliable: Bool { self != .udp }
}

/// One message seen by an endpoint, with its addresses and the time it crossed (wall clock, for pcap).
public struct SIPTapEvent: Sendable {
    public let direction: SIPDirection
    public let transport: SIPTransportKind
    public let local: SocketAddress
    public let remote: SocketAddress
    /// Nanoseconds since the Unix epoch.
    public let timestamp: UInt64
    public let bytes: [UInt8]

    public init(direction: SIPDirection, transport: SIPTransportKind, local: SocketAddress, remote: SocketAddress,
                timestamp: UInt64, bytes: [UInt8]) {
        self.direction = direction
        self.transport = transport
        self.local = local
        self.remote = remote
        self.timestamp = timestamp
        self.bytes = bytes
    }
}

/// Sees every message sent and received by the endpoints it is attached to (pcap recording, tracing, tests).
///
/// Called on the endpoint's event loop, in the order messages crossed; implementations must be quick and
/// thread-safe, since endpoints on several event loops share one tap.
public protocol SIPTap: Sendable {
    func record(_ event: SIPTapEvent)
}

extension Optional where Wrapped == any SIPTap {
    /// Records a UDP datagram that crossed an endpoint, stamped now, when there is a tap.
    @inlinable
    func recordUDP(_ direction: SIPDirection, local: SocketAddress, remote: SocketAddress, bytes: [UInt8]) {
        guard let tap = self else { return }
        tap.record(SIPTapEvent(direction: direction, transport: .udp, local: local, remote: remote,
                               timestamp: wallClockNanoseconds(), bytes: bytes))
    }
}

/// Wall-clock nanoseconds since the Unix epoch.
@inlinable
public func wallClockNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
