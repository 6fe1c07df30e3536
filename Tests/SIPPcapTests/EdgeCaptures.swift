import TestSupport
@testable import SIPPcap

/// The edge-case captures under `captures/edge/`, one function each: the cases SIP capture readers get wrong
/// (several messages in a TCP segment, segments out of order, fragmented UDP), the link layers and tunnels, and bad
/// input. `EdgeCapturesTests` checks the committed files are what these write; the interop tests check
/// `sipflow analyze` on them, and tshark's count where it is installed.
enum EdgeCaptures {
    typealias P = EdgeParties
    typealias B = PacketBuilder

    static let all: [EdgeCapture] = [
        udpFragmentedIPv4(), udpFragmentedIPv6(), tcpSeveralPerSegment(), tcpSplitAndOutOfOrder(), tcpMidStream(),
        vlanQinQ(), linuxSLL2(), bsdNull(), ipv6InIPv4(), nonSIPAndGarbage(), snapLengthCut(), tcpSnapLengthCut(),
    ]

    /// An INVITE with a 3,000-byte SDP offer, in 3 IPv4 fragments (RFC 791 §3.2) sent first, third, second; then
    /// the rest of the call. 8 packets, 6 messages, 1 answered call.
    static func udpFragmentedIPv4() -> EdgeCapture {
        var capture = EdgeCapture("udp-fragmented-ipv4.pcap", linkType: .ethernet)
        let call = P.dialog("frag4-7f3a9c@192.0.2.10", P.alice4, P.bob4).call(offer: EdgeSIP.offer("IP4 192.0.2.10", minimum: 3_000))
        let fragments = EdgeWire.fragmentedUDP(Array(call[0].text.utf8), from: P.alice4, to: P.bob4, size: 1_480, id: 0x2F01)
        precondition(fragments.count == 3)
        for i in [0, 2, 1] { capture.add(B.ethernet(fragments[i]), after: 0) }
        capture.udp(Array(call.dropFirst()), P.alice4, P.bob4, link: EdgeCapture.ethernet())
        return capture
    }

    /// The same over IPv6 (fragment headers, RFC 8200 §4.5), raw IP, the last fragment first. 8 packets, 6
    /// messages, 1 answered call.
    static func udpFragmentedIPv6() -> EdgeCapture {
        var capture = EdgeCapture("udp-fragmented-ipv6.pcap", linkType: .rawIP)
        let call = P.dialog("frag6-51c0de@2001:db8::10", P.alice6, P.bob6).call(offer: EdgeSIP.offer("IP6 2001:db8::10", minimum: 3_000))
        let fragments = EdgeWire.fragmentedUDP(Array(call[0].text.utf8), from: P.alice6, to: P.bob6, size: 1_448, id: 0x6A11)
        precondition(fragments.count == 3)
        for i in [2, 0, 1] { capture.add(fragments[i], after: 0) }
        capture.udp(Array(call.dropFirst()), P.alice6, P.bob6, link: { $0 })
        return capture
    }

    /// A call over one TCP connection (RFC 3261 §18.3): handshake, INVITE, then 100, 180 and 200 in one segment,
    /// ACK and BYE in one, the BYE's 200, and the close. 10 packets (6 without payload), 7 messages.
    static func tcpSeveralPerSegment() -> EdgeCapture {
        var capture = EdgeCapture("tcp-several-per-segment.pcap", linkType: .ethernet)
        let client = EdgeWire.Endpoint(host: P.alice4.host, port: 49_320)
        var tcp = EdgeWire.Connection(client: client, server: P.bob4, clientISN: 0x1A2B_3C4D, serverISN: 0x7000_0000)
        let m = P.dialog("tcp-several-2b81@192.0.2.10", P.alice4, P.bob4, transport: "TCP").call(trying: true).map(\.text)
        let link = EdgeCapture.ethernet()
        for packet in tcp.handshake() { capture.add(link(packet)) }
        capture.add(link(tcp.send(fromClient: true, m[0])), after: 5)
        capture.add(link(tcp.send(fromClient: false, m[1] + m[2] + m[3])), after: 20)
        capture.add(link(tcp.send(fromClient: true, m[4] + m[5])), after: 30)
        capture.add(link(tcp.send(fromClient: false, m[6])), after: 10)
        capture.add(link(tcp.fin(fromClient: true)), after: 5)
        capture.add(link(tcp.fin(fromClient: false)))
        capture.add(link(tcp.packet(fromClient: true, [], seq: tcp.clientNext, flags: B.ack)))
        return capture
    }

    /// An INVITE cut into 5 TCP segments sent 1, 3, 2, 2 again (a retransmission), 5, 4; then the rest of the call
    /// in a segment each. 14 packets: 3 without payload, packet 7 a retransmission; 6 messages.
    static func tcpSplitAndOutOfOrder() -> EdgeCapture {
        var capture = EdgeCapture("tcp-split-and-out-of-order.pcap", linkType: .ethernet)
        let client = EdgeWire.Endpoint(host: P.alice4.host, port: 49_330)
        var tcp = EdgeWire.Connection(client: client, server: P.bob4, clientISN: 0xFFFF_FF00, serverISN: 0x0BAD_CAFE)
        let call = P.dialog("tcp-split-93e4@192.0.2.10", P.alice4, P.bob4, transport: "TCP")
            .call(offer: EdgeSIP.offer("IP4 192.0.2.10", minimum: 600))
        let link = EdgeCapture.ethernet()
        for packet in tcp.handshake() { capture.add(link(packet)) }
        let invite = Array(call[0].text.utf8)
        let size = (invite.count + 4) / 5
        let start = tcp.clientNext  // near 2³²: the sequence numbers wrap inside the INVITE
        let pieces = stride(from: 0, to: invite.count, by: size).map { (offset: $0, bytes: Array(invite[$0..<min($0 + size, invite.count)])) }
        precondition(pieces.count == 5)
        for i in [0, 2, 1, 1, 4, 3] {
            let piece = pieces[i]
            capture.add(link(tcp.packet(fromClient: true, piece.bytes, seq: start &+ UInt32(piece.offset), flags: B.ack | B.psh)))
        }
        tcp.clientNext = start &+ UInt32(invite.count)
        for (fromCaller, text) in call.dropFirst() { capture.add(link(tcp.send(fromClient: fromCaller, text)), after: 10) }
        return capture
    }

    /// A capture begun in the middle of a connection (no SYN) and of a message: the first segment holds the tail
    /// of an INVITE from inside its request line ("VITE sip:… SIP/2.0", no request of method VITE), then a whole
    /// OPTIONS; the 200, then a whole call follow. 8 packets, 8 messages, the tail not SIP.
    static func tcpMidStream() -> EdgeCapture {
        var capture = EdgeCapture("tcp-mid-stream.pcap", linkType: .ethernet)
        let client = EdgeWire.Endpoint(host: P.alice4.host, port: 49_340)
        var tcp = EdgeWire.Connection(client: client, server: P.bob4, clientISN: 2_000_000_000, serverISN: 3_000_000_000)
        let earlier = P.dialog("tcp-earlier-0c1d@192.0.2.10", P.alice4, P.bob4, transport: "TCP", fromTag: "e4rl1er")
            .request("INVITE", cseq: 1, branch: "z9hG4bK-e4rl1er-1", body: EdgeSIP.offer("IP4 192.0.2.10"))
        let tail = String(earlier.dropFirst(2))  // the segment before ended with "IN"
        let ping = P.dialog("tcp-ping-4f55@192.0.2.10", P.alice4, P.bob4, transport: "TCP", fromTag: "p1ng").ping().map(\.text)
        let call = P.dialog("tcp-mid-8a02@192.0.2.10", P.alice4, P.bob4, transport: "TCP", fromTag: "m1d").call()
        capture.add(EdgeCapture.ethernet()(tcp.send(fromClient: true, tail + ping[0])))
        capture.add(EdgeCapture.ethernet()(tcp.send(fromClient: false, ping[1])), after: 2)
        for (fromCaller, text) in call { capture.add(EdgeCapture.ethernet()(tcp.send(fromClient: fromCaller, text)), after: 10) }
        return capture
    }

    /// Ethernet with VLAN tags: an OPTIONS ping over IPv6 under one 802.1Q tag, a call over IPv4 under an 802.1ad
    /// (QinQ) tag and an 802.1Q one. 8 packets, 8 messages.
    static func vlanQinQ() -> EdgeCapture {
        var capture = EdgeCapture("vlan-qinq.pcap", linkType: .ethernet)
        capture.udp(P.dialog("vlan-ping-19@2001:db8::10", P.alice6, P.bob6, fromTag: "v1an").ping(), P.alice6, P.bob6,
                    link: EdgeCapture.ethernet([0x8100]))
        capture.udp(P.dialog("qinq-call-77@192.0.2.10", P.alice4, P.bob4, fromTag: "q1nq").call(), P.alice4, P.bob4,
                    link: EdgeCapture.ethernet([0x88A8, 0x8100]))
        return capture
    }

    /// `LINKTYPE_LINUX_SLL2` (what `tcpdump -i any` writes since libpcap 1.10): a call over IPv4, a ping over IPv6.
    /// 8 packets, 8 messages.
    static func linuxSLL2() -> EdgeCapture {
        var capture = EdgeCapture("linux-sll2.pcap", linkType: .linuxCooked2)
        capture.udp(P.dialog("sll2-call-3e@192.0.2.10", P.alice4, P.bob4, fromTag: "s112").call(), P.alice4, P.bob4,
                    link: { B.sll2($0) })
        capture.udp(P.dialog("sll2-ping-3f@2001:db8::10", P.alice6, P.bob6, fromTag: "s112p").ping(), P.alice6, P.bob6,
                    link: { B.sll2($0, protocol: 0x86DD) })
        return capture
    }

    /// `LINKTYPE_NULL` as a little-endian host writes it (macOS `lo0`): a call over IPv4 (AF_INET, 2), a ping over
    /// IPv6 (Darwin's AF_INET6, 30). 8 packets, 8 messages.
    static func bsdNull() -> EdgeCapture {
        var capture = EdgeCapture("bsd-null.pcap", linkType: .bsdNull)
        capture.udp(P.dialog("null-call-5a@192.0.2.10", P.alice4, P.bob4, fromTag: "nu11").call(), P.alice4, P.bob4,
                    link: { B.null($0) })
        capture.udp(P.dialog("null-ping-5b@2001:db8::10", P.alice6, P.bob6, fromTag: "nu11p").ping(), P.alice6, P.bob6,
                    link: { B.null($0, family: 30) })
        return capture
    }

    /// A call over IPv6 carried in IPv4 (protocol 41, RFC 4213 §3.5) between two tunnel ends. 6 packets, 6
    /// messages.
    static func ipv6InIPv4() -> EdgeCapture {
        var capture = EdgeCapture("ipv6-in-ipv4.pcap", linkType: .ethernet)
        let (near, far): (UInt32, UInt32) = (0xCB00_7101, 0xCB00_7102)  // 203.0.113.1, 203.0.113.2
        capture.udp(P.dialog("6in4-call-c4@2001:db8::10", P.alice6, P.bob6, fromTag: "s1t").call(), P.alice6, P.bob6,
                    link: EdgeCapture.ethernet()) { datagram, source, destination in
            let inner = EdgeWire.ip(datagram, proto: 17, from: source, to: destination)
            let outward = source == P.alice6.host
            return EdgeWire.ip(inner, proto: 41, from: .v4(outward ? near : far), to: .v4(outward ? far : near))
        }
        return capture
    }

    /// SIP among other traffic: an ARP request (skipped, not IP), a DNS query and its answer, random bytes and
    /// an HTTP request on the SIP port, random bytes as RTP would come; only the ping and the call are SIP.
    /// 14 packets: packet 1 skipped `not-ip`, 5 payloads not SIP, 8 messages.
    static func nonSIPAndGarbage() -> EdgeCapture {
        var capture = EdgeCapture("non-sip-and-garbage.pcap", linkType: .ethernet)
        var random = SplitMix64(seed: 0x5EED_5A17)
        func noise(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
        func datagram(_ payload: [UInt8], _ from: EdgeWire.Endpoint, _ to: EdgeWire.Endpoint) -> [UInt8] {
            B.ethernet(EdgeWire.ip(EdgeWire.udp(payload, from: from, to: to), proto: 17, from: from.host, to: to.host))
        }
        let resolver = EdgeWire.Endpoint(host: .v4(0xC000_0235), port: 53)  // 192.0.2.53
        let asker = EdgeWire.Endpoint(host: P.alice4.host, port: 41_853)
        // ARP: who has 192.0.2.20? tell 192.0.2.10 (RFC 826).
        let arp: [UInt8] = [0, 1, 0x08, 0, 6, 4, 0, 1, 6, 7, 8, 9, 10, 11] + B.be32(0xC000_020A) + [0, 0, 0, 0, 0, 0] + B.be32(0xC000_0214)
        capture.add(B.ethernet(arp, type: 0x0806))
        // A DNS SRV query for _sip._udp.example.com (RFC 1035 §4.1, RFC 3263 §4.1), and its NXDOMAIN answer.
        let question: [UInt8] = [4] + Array("_sip".utf8) + [4] + Array("_udp".utf8) + [7] + Array("example".utf8)
            + [3] + Array("com".utf8) + [0, 0, 33, 0, 1]
        capture.add(datagram([0x1A, 0x2B, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + question, asker, resolver))
        capture.add(datagram([0x1A, 0x2B, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0] + question, resolver, asker), after: 3)
        capture.udp(P.dialog("mixed-ping-e1@192.0.2.10", P.alice4, P.bob4, fromTag: "m1x").ping(), P.alice4, P.bob4,
                    link: EdgeCapture.ethernet())
        capture.add(datagram(noise(200), P.bob4, P.alice4), after: 7)
        capture.add(datagram(Array("GET / HTTP/1.1\r\nHost: 192.0.2.20\r\n\r\n".utf8), P.alice4, P.bob4), after: 7)
        let call = P.dialog("mixed-call-e2@192.0.2.10", P.alice4, P.bob4, fromTag: "m1xc").call()
        capture.udp(Array(call.prefix(3)), P.alice4, P.bob4, link: EdgeCapture.ethernet())
        let rtp = (EdgeWire.Endpoint(host: P.alice4.host, port: 49_170), EdgeWire.Endpoint(host: P.bob4.host, port: 49_170))
        capture.add(datagram([0x80, 0x00, 0x00, 0x01] + noise(168), rtp.0, rtp.1), after: 5)
        capture.udp(Array(call.dropFirst(3)), P.alice4, P.bob4, link: EdgeCapture.ethernet())
        return capture
    }

    /// A capture with a 512-byte snap length: a ping, a MESSAGE (RFC 3428) of 900 bytes the snap length cut, and a
    /// call. 9 packets: packet 3 skipped `cut-by-snap-length`, 8 messages.
    static func snapLengthCut() -> EdgeCapture {
        var capture = EdgeCapture("snaplen-cut.pcap", linkType: .ethernet, snapLength: 512)
        capture.udp(P.dialog("snap-ping-d1@192.0.2.10", P.alice4, P.bob4, fromTag: "sn4p").ping(), P.alice4, P.bob4,
                    link: EdgeCapture.ethernet())
        let text = String(repeating: "The snap length keeps only the first 512 bytes of each frame. ", count: 15)
        let message = P.dialog("snap-message-d2@192.0.2.10", P.alice4, P.bob4, fromTag: "sn4pm")
            .request("MESSAGE", cseq: 1, branch: "z9hG4bK-sn4pm-1", body: text, contentType: "text/plain")
        let frame = EdgeCapture.ethernet()(EdgeWire.ip(EdgeWire.udp(Array(message.utf8), from: P.alice4, to: P.bob4),
                                                       proto: 17, from: P.alice4.host, to: P.bob4.host))
        capture.add(frame, after: 10, cutTo: 512)
        capture.udp(P.dialog("snap-call-d3@192.0.2.10", P.alice4, P.bob4, fromTag: "sn4pc").call(), P.alice4, P.bob4,
                    link: EdgeCapture.ethernet())
        return capture
    }

    /// A 600-byte snap length over TCP: one segment holds a whole OPTIONS and the start of a MESSAGE the snap
    /// length cut; the OPTIONS' 200 and a call follow. 11 packets (3 without payload): packet 4 skipped
    /// `cut-by-snap-length`, 8 messages — the OPTIONS in the cut segment among them.
    static func tcpSnapLengthCut() -> EdgeCapture {
        var capture = EdgeCapture("tcp-snaplen-cut.pcap", linkType: .ethernet, snapLength: 600)
        let client = EdgeWire.Endpoint(host: P.alice4.host, port: 49_350)
        var tcp = EdgeWire.Connection(client: client, server: P.bob4, clientISN: 0x3C00_0000, serverISN: 0x5D00_0000)
        let link = EdgeCapture.ethernet()
        for packet in tcp.handshake() { capture.add(link(packet)) }
        let ping = P.dialog("tcp-snap-ping-f1@192.0.2.10", P.alice4, P.bob4, transport: "TCP", fromTag: "tsn4p").ping()
        let text = String(repeating: "The snap length keeps only the first 600 bytes of each frame. ", count: 8)
        let message = P.dialog("tcp-snap-message-f2@192.0.2.10", P.alice4, P.bob4, transport: "TCP", fromTag: "tsn4pm")
            .request("MESSAGE", cseq: 1, branch: "z9hG4bK-tsn4pm-1", body: text, contentType: "text/plain")
        capture.add(link(tcp.send(fromClient: true, ping[0].text + message)), after: 5, cutTo: 600)
        capture.add(link(tcp.send(fromClient: false, ping[1].text)), after: 2)
        let call = P.dialog("tcp-snap-call-f3@192.0.2.10", P.alice4, P.bob4, transport: "TCP", fromTag: "tsn4pc").call()
        for (fromCaller, text) in call { capture.add(link(tcp.send(fromClient: fromCaller, text)), after: 10) }
        return capture
    }
}
