import Foundation
@testable import SIPPcap

/// One crafted capture: its file name under `captures/edge/`, its link type and snap length, and its frames with
/// fixed times — written through libpcap (`PcapFileWriter`), so the same code always writes the same bytes.
struct EdgeCapture {
    struct Frame {
        var bytes: [UInt8]
        /// Nanoseconds since the epoch.
        var timestamp: UInt64
        /// The packet's length on the wire, when the snap length kept less (`bytes` is what was kept).
        var originalLength: Int?
    }

    let name: String
    let linkType: PcapLinkType
    let snapLength: Int32
    private(set) var frames: [Frame] = []
    private var clock: UInt64 = Self.start

    /// 2025-12-06T05:46:40Z: the first frame's time.
    static let start: UInt64 = 1_765_000_000 * 1_000_000_000

    init(_ name: String, linkType: PcapLinkType, snapLength: Int32 = 262_144) {
        self.name = name
        self.linkType = linkType
        self.snapLength = snapLength
    }

    /// Appends a frame `ms` milliseconds after the one before. With `cutTo`, only that many bytes are kept, as a
    /// capture with that snap length keeps them.
    mutating func add(_ bytes: [UInt8], after ms: UInt64 = 1, cutTo kept: Int? = nil) {
        if !frames.isEmpty { clock += ms * 1_000_000 }
        if let kept, kept < bytes.count {
            frames.append(Frame(bytes: Array(bytes.prefix(kept)), timestamp: clock, originalLength: bytes.count))
        } else {
            precondition(bytes.count <= Int(snapLength), "\(name): a frame of \(bytes.count) bytes is past the snap length")
            frames.append(Frame(bytes: bytes, timestamp: clock, originalLength: nil))
        }
    }

    /// Writes the capture to `path` through libpcap: a classic pcap file, microsecond timestamps.
    func write(to path: String) throws {
        let writer = try PcapFileWriter(path: path, linkType: linkType, snapLength: snapLength)
        for frame in frames {
            frame.bytes.withUnsafeBytes { writer.write($0, timestamp: frame.timestamp, originalLength: frame.originalLength) }
        }
        try writer.flush()
        writer.close()
    }

    /// The file's bytes, as `write(to:)` leaves them.
    func bytes() throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edge-\(UUID().uuidString)-\(name)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try write(to: path)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }
}

/// The parties of the edge-case captures (documentation addresses: RFC 5737, RFC 3849).
enum EdgeParties {
    static let alice4 = EdgeWire.Endpoint(host: .v4(0xC000_020A), port: 5060)  // 192.0.2.10
    static let bob4 = EdgeWire.Endpoint(host: .v4(0xC000_0214), port: 5060)  // 192.0.2.20
    static let alice6 = EdgeWire.Endpoint(host: .v6(v6(0x10)), port: 5060)  // 2001:db8::10
    static let bob6 = EdgeWire.Endpoint(host: .v6(v6(0x20)), port: 5060)  // 2001:db8::20

    static func v6(_ last: UInt8) -> [UInt8] { [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [last] }

    /// `host:port` as SIP writes it (RFC 3261 §25.1: an IPv6 reference in brackets).
    static func sip(_ endpoint: EdgeWire.Endpoint) -> String {
        switch endpoint.host {
        case .v4(let a): return "\(a >> 24).\((a >> 16) & 0xFF).\((a >> 8) & 0xFF).\(a & 0xFF):\(endpoint.port)"
        case .v6(let a): return "[2001:db8::\(String(a[15], radix: 16))]:\(endpoint.port)"
        }
    }

    /// A call or ping between `caller` and `callee` over UDP.
    static func dialog(_ callID: String, _ caller: EdgeWire.Endpoint, _ callee: EdgeWire.Endpoint,
                       transport: String = "UDP", fromTag: String = "a73kszlfl") -> EdgeSIP {
        EdgeSIP(callID: callID, transport: transport, caller: sip(caller), callee: sip(callee), fromTag: fromTag)
    }
}

extension EdgeCapture {
    /// Each message as one UDP datagram between `caller` and `callee`, in the IP packet `ip` makes of it (plain,
    /// or in a tunnel), in the frame `link` makes of that.
    mutating func udp(_ messages: [(fromCaller: Bool, text: String)], _ caller: EdgeWire.Endpoint,
                      _ callee: EdgeWire.Endpoint, after ms: UInt64 = 10, link: ([UInt8]) -> [UInt8],
                      ip: (([UInt8], EdgeWire.Host, EdgeWire.Host) -> [UInt8])? = nil) {
        for (fromCaller, text) in messages {
            let (source, destination) = fromCaller ? (caller, callee) : (callee, caller)
            let datagram = EdgeWire.udp(Array(text.utf8), from: source, to: destination)
            let packet = ip?(datagram, source.host, destination.host)
                ?? EdgeWire.ip(datagram, proto: 17, from: source.host, to: destination.host)
            add(link(packet), after: ms)
        }
    }

    /// Ethernet II around an IP packet, its EtherType from the IP version, under `tags` (802.1Q, 802.1ad).
    static func ethernet(_ tags: [Int] = []) -> ([UInt8]) -> [UInt8] {
        { packet in PacketBuilder.ethernet(packet, type: packet.first.map { $0 >> 4 == 6 } == true ? 0x86DD : 0x0800, tags: tags) }
    }
}
