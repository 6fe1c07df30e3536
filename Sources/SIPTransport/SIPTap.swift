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

/// One message sent or received, with its addresses, the time it crossed (wall clock, for pcap), and what the
/// engine knows of it: the call it belongs to and the rule IDs its checks found on it.
public struct SIPTapEvent: Sendable {
    public let direction: SIPDirection
    public let transport: SIPTransportKind
    public let local: SocketAddress
    public let remote: SocketAddress
    /// When the message was sent, or read from the socket: nanoseconds since the Unix epoch.
    public let timestamp: UInt64
    public let bytes: [UInt8]
    /// The number of the call the message belongs to, from 0 (reports and `--trace` print it from 1: `call 1` is
    /// 0); nil for a message of no call (a stateless answer, a message whose Call-ID names no call — also a late
    /// copy of a response once its call has let go —, an unparsable datagram, a probe). The answers an ended call
    /// sends again while it lingers keep its number.
    public let call: Int?
    /// The IDs of the conformance rules the engine's checks found on a received message (`rfc3261.…`), in the order
    /// found: an unmatched response names `rfc3261.17.1.3.response-matches-transaction`, a datagram that does not
    /// parse its parse rule. Empty when clean, when not checked (a copy a transaction absorbs, `--conformance
    /// off`), and for what is sent.
    public let rules: [String]

    public init(direction: SIPDirection, transport: SIPTransportKind, local: SocketAddress, remote: SocketAddress,
                timestamp: UInt64, bytes: [UInt8], call: Int? = nil, rules: [String] = []) {
        self.direction = direction
        self.transport = transport
        self.local = local
        self.remote = remote
        self.timestamp = timestamp
        self.bytes = bytes
        self.call = call
        self.rules = rules
    }
}

/// Sees every message sent and received (pcap recording, tracing, tests).
///
/// Called on the event loop that sent or received the message, in the order messages crossed on that loop (a
/// received message before what its handling sent), with times that do not run backwards there; implementations
/// must be quick and thread-safe, since several event loops share one tap and their events interleave. `flush()` is
/// called on every way out of a run (its end, a signal, a failure), after the engine has shut down: what was
/// recorded until then must be written when it returns.
public protocol SIPTap: Sendable {
    func record(_ event: SIPTapEvent)
    func flush()
}

extension SIPTap {
    public func flush() {}
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

/// Several taps as one: each event goes to each, in order (`--trace` and `--pcap` together).
public struct SIPTapFanOut: SIPTap {
    public let taps: [any SIPTap]
    public init(_ taps: [any SIPTap]) { self.taps = taps }
    public func record(_ event: SIPTapEvent) { for tap in taps { tap.record(event) } }
    public func flush() { for tap in taps { tap.flush() } }
}
