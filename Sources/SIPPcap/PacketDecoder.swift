/// Turns the packets of a capture into the UDP datagrams and in-order TCP bytes that may carry SIP, and says why
/// each other packet yielded nothing. Pure Swift on byte arrays: no I/O.
///
/// Layers: the link layer (`LinkLayer`), IPv4 (RFC 791) or IPv6 with its extension headers (RFC 8200), IP-in-IP
/// (RFC 2003) and IPv6-in-IPv4 (RFC 4213) tunnels to the inner packet, fragment reassembly (`IPFragments`), then
/// UDP (RFC 768) on any port, checksums not verified (a capture on the sending host has offloaded, wrong ones), or
/// TCP (RFC 9293) put in order per direction (`TCPStreams`).
public struct PacketDecoder: Sendable {
    let link: LinkLayer
    var fragments = IPFragments()
    var streams = TCPStreams()
    /// Tunnels inside tunnels beyond this are malformed: no capture of SIP nests deeper.
    static let maxTunnelDepth = 4

    /// Throws `PcapError("link type N is not supported; sipflow reads …")` for a link type not decoded here.
    public init(linkType: Int32) throws(PcapError) {
        guard let link = LinkLayer(linkType: linkType) else {
            throw PcapError("link type \(linkType) is not supported; sipflow reads \(LinkLayer.supportedList)")
        }
        self.link = link
    }

    /// Decodes one packet (`number`: 1-based, its place in the capture). A packet can yield nothing (a fragment or a
    /// TCP segment held), one result, or several (fragments given up on; TCP bytes that fill a gap release what
    /// waited behind it).
    public mutating func decode(_ packet: PcapPacket, number: Int) -> [DecodeResult] {
        var context = Context(number: number, timestamp: packet.timestamp,
                              cut: packet.bytes.count < packet.originalLength,
                              captured: packet.bytes.count, original: packet.originalLength)
        var abandoned: [IPFragments.Abandoned] = []
        fragments.evict(before: packet.timestamp, into: &abandoned)
        context.results = abandoned.map(Self.incomplete)
        let frame = packet.bytes[...]
        switch link.locateIP(in: frame) {
        case .ip(let offset):
            decodeIP(frame.dropping(offset), depth: 0, &context)
        case .notIP(let detail):
            context.skip(.notIP, detail)
        case .short(let needed):
            context.short("link-layer header", needed: needed, available: frame.count)
        }
        return context.results
    }

    /// The end of the capture: fragments never completed, and TCP bytes still waiting behind a gap (after a gap).
    public mutating func finish() -> [DecodeResult] {
        var results = fragments.finish().map(Self.incomplete)
        for (direction, delivery) in streams.finish() {
            results.append(.payload(CapturedPayload(packetNumber: delivery.packetNumber, timestamp: delivery.timestamp,
                                                    transport: .tcp, source: direction.source,
                                                    destination: direction.destination, bytes: delivery.bytes,
                                                    gapBefore: true)))
        }
        return results
    }

    private static func incomplete(_ datagram: IPFragments.Abandoned) -> DecodeResult {
        .skipped(packetNumber: datagram.firstPacketNumber, .fragmentIncomplete,
                 detail: "a datagram of \(datagram.fragments) fragment(s), \(datagram.bytesHeld) bytes, was given up: "
                     + datagram.reason)
    }

    /// One IP packet (the outermost, or one inside a tunnel) at the start of `bytes`.
    mutating func decodeIP(_ bytes: ArraySlice<UInt8>, depth: Int, _ context: inout Context) {
        guard !bytes.isEmpty else { return context.short("IP header", needed: 1, available: 0) }
        let parsed: Result<IPDatagram, IPFailure>
        switch bytes.byte(0) >> 4 {
        case 4: parsed = IPv4Packet.decode(bytes, cut: context.cut)
        case 6: parsed = IPv6Packet.decode(bytes, cut: context.cut)
        case let version: return context.skip(.malformedIP, "IP version \(version) is neither 4 nor 6")
        }
        switch parsed {
        case .failure(let failure): context.fail(failure)
        case .success(let datagram): decodeDatagram(datagram, depth: depth, &context)
        }
    }

    private mutating func decodeDatagram(_ datagram: IPDatagram, depth: Int, _ context: inout Context) {
        var datagram = datagram
        if let fragment = datagram.fragment {
            guard datagram.missing == 0 else {
                return context.skip(.cutBySnapLength, "an IP fragment lacks its last \(datagram.missing) bytes "
                                        + "(the snap length kept \(context.captured) of \(context.original))")
            }
            let key = IPFragments.Key(source: datagram.source, destination: datagram.destination,
                                      identification: fragment.identification, protocolNumber: datagram.protocolNumber)
            var abandoned: [IPFragments.Abandoned] = []
            let outcome = fragments.add(key, offset: fragment.offset, moreFragments: fragment.moreFragments,
                                        data: datagram.payload, packetNumber: context.number,
                                        timestamp: context.timestamp, abandoned: &abandoned)
            context.results += abandoned.map(Self.incomplete)
            switch outcome {
            case .held: return
            case .rejected(let detail): return context.skip(.malformedIP, detail)
            case .complete(let payload):
                datagram.payload = payload[...]
                datagram.fragment = nil
                if datagram.version == 6,
                   let failure = IPv6Packet.walkExtensionHeaders(&datagram, fragmentAllowed: false) {
                    return context.fail(failure)
                }
            }
        }
        switch datagram.protocolNumber {
        case IPProtocol.udp:
            decodeUDP(datagram, &context)
        case IPProtocol.tcp:
            decodeTCP(datagram, &context)
        case IPProtocol.ipv4, IPProtocol.ipv6:
            guard depth < Self.maxTunnelDepth else {
                return context.skip(.malformedIP, "tunnels nest more than \(Self.maxTunnelDepth) deep")
            }
            decodeIP(datagram.payload, depth: depth + 1, &context)
        case let other:
            context.skip(.notUDPOrTCP, "\(IPProtocol.describe(other)) is neither UDP nor TCP")
        }
    }
}
