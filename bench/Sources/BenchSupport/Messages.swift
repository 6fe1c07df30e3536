import SIPCore

/// The messages the benchmarks parse: a typical INVITE from a softphone (about 500 octets with its SDP) and the
/// 200 OK a UAS answers it with.
public enum Messages {
    public static let invite: [UInt8] = Array((
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@pc33.atlanta.example.com:5060>\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n" +
        "Supported: replaces, timer\r\n" +
        "User-Agent: sipflow/0.1\r\n" +
        "Content-Length: \(sdp.utf8.count)\r\n" +
        "\r\n" + sdp).utf8)

    public static let sdp =
        "v=0\r\n" +
        "o=alice 2890844526 2890844526 IN IP4 10.0.0.1\r\n" +
        "s=-\r\n" +
        "c=IN IP4 10.0.0.1\r\n" +
        "t=0 0\r\n" +
        "m=audio 49170 RTP/AVP 0\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n"

    public static let ok: [UInt8] = Array((
        "SIP/2.0 200 OK\r\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.1\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:bob@192.0.2.4:5060>\r\n" +
        "Content-Length: 0\r\n" +
        "\r\n").utf8)
}

/// Parses `bytes` and reads what the engine reads on every message: topVia.branch, from.tag, to, cseq and callID.
/// Returns a checksum of what it read, so that no read can be optimised away.
@inline(never)
public func parseAndRead(_ bytes: [UInt8]) -> Int {
    guard let m = try? SIPMessage(parsing: bytes) else { return -1 }
    var sum = m.headers.count
    sum &+= m.topVia?.branch?.count ?? 0
    sum &+= m.from?.tag?.count ?? 0
    sum &+= m.to?.uri.count ?? 0
    sum &+= Int(m.cseq?.sequenceNumber ?? 0)
    sum &+= m.callID?.count ?? 0
    return sum
}
