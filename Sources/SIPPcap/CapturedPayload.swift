/// The transport a captured payload came over.
public enum CaptureTransport: String, Sendable, Codable { case udp, tcp }

/// A payload that may carry SIP: one whole UDP datagram (after IP reassembly), or the TCP bytes that became
/// in-order on one direction of a stream with this packet.
public struct CapturedPayload: Sendable {
    /// 1-based number, in the capture, of the packet that completed it.
    public let packetNumber: Int
    /// Nanoseconds since the epoch: that packet's time.
    public let timestamp: UInt64
    public let transport: CaptureTransport
    public let source: PacketEndpoint
    public let destination: PacketEndpoint
    public let bytes: [UInt8]
    /// TCP only: bytes of this direction were lost before these (a capture that starts mid-stream, a gap given up
    /// on): whoever frames SIP messages out of the stream must resynchronise.
    public let gapBefore: Bool

    public init(packetNumber: Int, timestamp: UInt64, transport: CaptureTransport, source: PacketEndpoint,
                destination: PacketEndpoint, bytes: [UInt8], gapBefore: Bool) {
        self.packetNumber = packetNumber
        self.timestamp = timestamp
        self.transport = transport
        self.source = source
        self.destination = destination
        self.bytes = bytes
        self.gapBefore = gapBefore
    }
}

/// Why a packet yielded nothing; `rawValue` is a stable kebab-case code shown to users and in JSON.
public enum PacketSkip: String, Sendable, Codable, CaseIterable {
    /// Shorter than its headers say (and not explained by the snap length).
    case truncated
    /// Captured length below the original length, and the payload is incomplete.
    case cutBySnapLength = "cut-by-snap-length"
    /// ARP, LLDP, other ethertypes or link-layer families.
    case notIP = "not-ip"
    /// ICMP, SCTP, ESP, …
    case notUDPOrTCP = "not-udp-or-tcp"
    /// Bad version, header length, fragment past 65,535 bytes, tunnels nested too deep, …
    case malformedIP = "malformed-ip"
    /// Fragments never completed (reported at finish or eviction).
    case fragmentIncomplete = "fragment-incomplete"
    /// SYN, ACK, FIN or RST alone: counted, not an error.
    case tcpNoPayload = "tcp-no-payload"
    /// Bytes already delivered.
    case tcpRetransmission = "tcp-retransmission"
    /// A UDP length below 8 (RFC 768).
    case malformedUDP = "malformed-udp"
    /// A TCP data offset below 5 words or past the segment (RFC 9293 §3.1).
    case malformedTCP = "malformed-tcp"
}

/// What one packet (or the end of the capture) yielded.
public enum DecodeResult: Sendable {
    case payload(CapturedPayload)
    /// `detail` is one short sentence.
    case skipped(packetNumber: Int, PacketSkip, detail: String)
}
