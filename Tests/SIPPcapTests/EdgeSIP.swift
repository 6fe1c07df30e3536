/// The SIP the edge-case captures carry: one dialog's requests and responses, each with what RFC 3261 asks of it —
/// a top Via with a `z9hG4bK` branch (§8.1.1.7), Max-Forwards on requests (§8.1.1.6), From and To tags (§8.1.1.3,
/// §8.2.6.2), one Call-ID and CSeq (§8.1.1.4, §8.1.1.5), Contact on INVITE and on its dialog-making responses
/// (§8.1.1.8, §12.1.1) and a Content-Length that counts the body (§20.14) — so that analysing them gives no finding.
struct EdgeSIP: Sendable {
    let callID: String
    /// `UDP` or `TCP`, as the Via's sent-protocol says it.
    let transport: String
    /// `host:port` of each party, an IPv6 host in brackets (RFC 3261 §25.1).
    let caller: String
    let callee: String
    let fromTag: String
    let toTag: String

    init(callID: String, transport: String = "UDP", caller: String, callee: String, fromTag: String = "a73kszlfl",
         toTag: String = "1410948204") {
        self.callID = callID
        self.transport = transport
        self.caller = caller
        self.callee = callee
        self.fromTag = fromTag
        self.toTag = toTag
    }

    /// The host part of `host:port`.
    static func host(_ hostPort: String) -> String {
        if hostPort.hasPrefix("["), let end = hostPort.firstIndex(of: "]") { return String(hostPort[...end]) }
        return String(hostPort.prefix { $0 != ":" })
    }

    /// A request from the caller. `cseq` is the CSeq number; `branch` names the transaction (§17.1.3).
    func request(_ method: String, cseq: Int, branch: String, inDialog: Bool = false, body: String = "",
                 contentType: String = "application/sdp") -> String {
        let uri = inDialog ? "sip:bob@\(callee)" : "sip:bob@\(Self.host(callee))"
        var text = "\(method) \(uri) SIP/2.0\r\n"
            + "Via: SIP/2.0/\(transport) \(caller);branch=\(branch)\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: \"Alice\" <sip:alice@\(Self.host(caller))>;tag=\(fromTag)\r\n"
            + "To: <sip:bob@\(Self.host(callee))>\(inDialog ? ";tag=\(toTag)" : "")\r\n"
            + "Call-ID: \(callID)\r\n"
            + "CSeq: \(cseq) \(method)\r\n"
        if method == "INVITE" { text += "Contact: <sip:alice@\(caller)\(contactTransport)>\r\n" }
        return text + Self.bodyHeaders(body, contentType)
    }

    /// The callee's response to the request of `method` with `cseq` and `branch`: To tagged but on a 100
    /// (§8.2.6.2), Contact on an INVITE's 101–299 (§12.1.1).
    func response(_ code: Int, _ reason: String, to method: String, cseq: Int, branch: String, body: String = "") -> String {
        var text = "SIP/2.0 \(code) \(reason)\r\n"
            + "Via: SIP/2.0/\(transport) \(caller);branch=\(branch)\r\n"
            + "From: \"Alice\" <sip:alice@\(Self.host(caller))>;tag=\(fromTag)\r\n"
            + "To: <sip:bob@\(Self.host(callee))>\(code == 100 ? "" : ";tag=\(toTag)")\r\n"
            + "Call-ID: \(callID)\r\n"
            + "CSeq: \(cseq) \(method)\r\n"
        if method == "INVITE" && code > 100 && code < 300 {
            text += "Contact: <sip:bob@\(callee)\(contactTransport)>\r\n"
        }
        return text + Self.bodyHeaders(body)
    }

    private var contactTransport: String { transport == "UDP" ? "" : ";transport=\(transport.lowercased())" }

    private static func bodyHeaders(_ body: String, _ type: String = "application/sdp") -> String {
        (body.isEmpty ? "" : "Content-Type: \(type)\r\n") + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    /// Branches of the call's transactions: INVITE, ACK (a 2xx's ACK is a transaction of its own, §13.2.2.4),
    /// BYE, and OPTIONS.
    var inviteBranch: String { "z9hG4bK-\(fromTag)-1" }
    var ackBranch: String { "z9hG4bK-\(fromTag)-2" }
    var byeBranch: String { "z9hG4bK-\(fromTag)-3" }
    var optionsBranch: String { "z9hG4bK-\(fromTag)-o" }

    /// An answered call: INVITE (with `offer` as its body), 180, 200, ACK, BYE, 200 — in that order, each a
    /// message from the caller (`true`) or the callee.
    func call(offer: String = "", trying: Bool = false) -> [(fromCaller: Bool, text: String)] {
        [(true, request("INVITE", cseq: 1, branch: inviteBranch, body: offer))]
            + (trying ? [(false, response(100, "Trying", to: "INVITE", cseq: 1, branch: inviteBranch))] : [])
            + [(false, response(180, "Ringing", to: "INVITE", cseq: 1, branch: inviteBranch)),
               (false, response(200, "OK", to: "INVITE", cseq: 1, branch: inviteBranch)),
               (true, request("ACK", cseq: 1, branch: ackBranch, inDialog: true)),
               (true, request("BYE", cseq: 2, branch: byeBranch, inDialog: true)),
               (false, response(200, "OK", to: "BYE", cseq: 2, branch: byeBranch))]
    }

    /// An OPTIONS ping and its 200 (RFC 3261 §11).
    func ping() -> [(fromCaller: Bool, text: String)] {
        [(true, request("OPTIONS", cseq: 1, branch: optionsBranch)),
         (false, response(200, "OK", to: "OPTIONS", cseq: 1, branch: optionsBranch))]
    }

    /// An SDP offer (RFC 4566) from `address` (`IP4 a.b.c.d` or `IP6 …`), padded with ICE candidates (RFC 8839
    /// §5.1) to at least `minimum` bytes: the large body that makes a UDP datagram need fragments.
    static func offer(_ address: String, minimum: Int = 0) -> String {
        let ip = String(address.split(separator: " ").last ?? "")
        var sdp = "v=0\r\no=alice 2890844526 2890844526 IN \(address)\r\ns=-\r\nc=IN \(address)\r\nt=0 0\r\n"
            + "m=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
            + "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
        var n = 1
        while sdp.utf8.count < minimum {
            sdp += "a=candidate:\(n) 1 UDP \(2_130_706_431 - n) \(ip) \(49_170 + 2 * n) typ host\r\n"
            n += 1
        }
        return sdp
    }
}
