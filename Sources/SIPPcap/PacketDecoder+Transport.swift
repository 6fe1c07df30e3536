/// UDP (RFC 768) and TCP (RFC 9293 §3.1) headers, and what one packet's decoding has yielded so far.
extension PacketDecoder {
    /// The packet being decoded and its results.
    struct Context {
        let number: Int
        let timestamp: UInt64
        /// The snap length kept fewer bytes than the packet had.
        let cut: Bool
        let captured: Int
        let original: Int
        var results: [DecodeResult] = []

        mutating func skip(_ reason: PacketSkip, _ detail: String) {
            results.append(.skipped(packetNumber: number, reason, detail: detail))
        }

        /// A header or length past the captured bytes: the snap length's doing when the packet was cut.
        mutating func short(_ what: String, needed: Int, available: Int) {
            if cut {
                skip(.cutBySnapLength, "the \(what) needs \(needed) bytes, \(needed - available) missing "
                         + "(the snap length kept \(captured) of \(original))")
            } else {
                skip(.truncated, "the \(what) needs \(needed) bytes but \(available) are there")
            }
        }

        mutating func fail(_ failure: IPFailure) {
            switch failure {
            case .short(let what, let needed, let available): short(what, needed: needed, available: available)
            case .malformed(let detail): skip(.malformedIP, detail)
            case .notUDPOrTCP(let detail): skip(.notUDPOrTCP, detail)
            }
        }

        mutating func deliver(_ transport: CaptureTransport, _ source: PacketEndpoint, _ destination: PacketEndpoint,
                              _ bytes: [UInt8], gapBefore: Bool, packetNumber: Int? = nil, timestamp: UInt64? = nil) {
            results.append(.payload(CapturedPayload(packetNumber: packetNumber ?? number, timestamp: timestamp ?? self.timestamp,
                                                    transport: transport, source: source, destination: destination,
                                                    bytes: bytes, gapBefore: gapBefore)))
        }

        /// The payload lacks bytes the snap length cut.
        mutating func cutPayload(_ transport: String, missing: Int) {
            skip(.cutBySnapLength, "the \(transport) payload lacks its last \(missing) bytes "
                     + "(the snap length kept \(captured) of \(original))")
        }
    }

    func decodeUDP(_ datagram: IPDatagram, _ context: inout Context) {
        let bytes = datagram.payload
        guard bytes.count >= 8 else {
            return context.short("UDP header", needed: 8, available: bytes.count)
        }
        var length = Int(bytes.uint16(4))
        if length == 0 && datagram.version == 6 { length = bytes.count + datagram.missing }  // RFC 2675 §4
        guard length >= 8 else { return context.skip(.malformedUDP, "the UDP length \(length) is below 8") }
        if length > bytes.count {
            let missing = length - bytes.count
            guard datagram.missing > 0 else {
                return context.skip(.truncated, "the UDP length \(length) is past the \(bytes.count) bytes of its packet")
            }
            return context.cutPayload("UDP", missing: missing)
        }
        context.deliver(.udp, PacketEndpoint(address: datagram.source, port: bytes.uint16(0)),
                        PacketEndpoint(address: datagram.destination, port: bytes.uint16(2)),
                        Array(bytes.keeping(length).dropping(8)), gapBefore: false)
    }

    mutating func decodeTCP(_ datagram: IPDatagram, _ context: inout Context) {
        let bytes = datagram.payload
        guard bytes.count >= 20 else { return context.short("TCP header", needed: 20, available: bytes.count) }
        let headerLength = Int(bytes.byte(12) >> 4) * 4
        guard headerLength >= 20 else {
            return context.skip(.malformedTCP, "the TCP data offset \(headerLength) is below 20 bytes")
        }
        guard headerLength <= bytes.count + datagram.missing else {
            return context.skip(.malformedTCP, "the TCP data offset \(headerLength) is past the segment's end")
        }
        guard headerLength <= bytes.count else {
            return context.short("TCP header with options", needed: headerLength, available: bytes.count)
        }
        let direction = TCPStreams.Direction(source: PacketEndpoint(address: datagram.source, port: bytes.uint16(0)),
                                             destination: PacketEndpoint(address: datagram.destination, port: bytes.uint16(2)))
        let flags = bytes.byte(13)
        let segment = TCPStreams.Segment(sequenceNumber: bytes.uint32(4), syn: flags & 0x02 != 0, fin: flags & 0x01 != 0,
                                         rst: flags & 0x04 != 0, payload: bytes.dropping(headerLength))
        if datagram.missing > 0 {
            // What the snap length kept is stream bytes like any (the whole messages in it are still read); the
            // bytes it cut are lost, so what follows them comes after a gap.
            context.cutPayload("TCP", missing: datagram.missing)
            if case .delivered(let deliveries) = streams.receive(segment, on: direction, packetNumber: context.number,
                                                                 timestamp: context.timestamp) {
                deliver(deliveries, on: direction, &context)
            }
            let start = (segment.syn ? segment.sequenceNumber &+ 1 : segment.sequenceNumber)
                &+ UInt32(truncatingIfNeeded: segment.payload.count)
            deliver(streams.lost(start, length: datagram.missing, on: direction, packetNumber: context.number,
                                 timestamp: context.timestamp), on: direction, &context)
            return
        }
        switch streams.receive(segment, on: direction, packetNumber: context.number, timestamp: context.timestamp) {
        case .delivered(let deliveries):
            deliver(deliveries, on: direction, &context)
        case .retransmission:
            context.skip(.tcpRetransmission, "all \(segment.payload.count) bytes of the segment were delivered before")
        case .retransmissionOfWaiting:
            context.skip(.tcpRetransmission, "the segment's \(segment.payload.count) bytes already wait, behind a gap, "
                             + "in one sent before")
        case .noPayload:
            context.skip(.tcpNoPayload, "a TCP segment with no payload (\(Self.flagNames(flags)))")
        case .held:
            return
        }
    }

    private func deliver(_ deliveries: [TCPStreams.Delivery], on direction: TCPStreams.Direction, _ context: inout Context) {
        for d in deliveries {
            context.deliver(.tcp, direction.source, direction.destination, d.bytes, gapBefore: d.gapBefore,
                            packetNumber: d.packetNumber, timestamp: d.timestamp)
        }
    }

    static func flagNames(_ flags: UInt8) -> String {
        let names = [(0x02, "SYN"), (0x10, "ACK"), (0x01, "FIN"), (0x04, "RST"), (0x08, "PSH"), (0x20, "URG")]
        let set = names.filter { flags & UInt8($0.0) != 0 }.map(\.1)
        return set.isEmpty ? "no flags" : set.joined(separator: ", ")
    }
}
