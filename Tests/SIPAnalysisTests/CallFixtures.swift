@testable import SIPAnalysis
import SIPPcap

/// SIP messages of one call between a caller (127.0.0.1:5060) and a callee (127.0.0.1:5070), as payloads with
/// capture times, for feeding an analyzer by hand.
struct CallFixtures {
    static let caller = PacketEndpoint(address: .v4(0x7F00_0001), port: 5060)
    static let callee = PacketEndpoint(address: .v4(0x7F00_0001), port: 5070)
    /// 2026-01-01T00:00:00Z, in nanoseconds.
    static let epoch: UInt64 = 1_767_225_600 * 1_000_000_000

    let callID: String
    var packet = 0

    init(callID: String = "call-1@127.0.0.1") { self.callID = callID }

    func request(_ method: String, cseq: Int = 1, branch: String = "z9hG4bK-1", toTag: String? = nil,
                 maxForwards: Bool = true, cseqMethod: String? = nil) -> String {
        let contact = method == "INVITE" ? "Contact: <sip:alice@127.0.0.1:5060>\r\n" : ""
        return "\(method) sip:bob@127.0.0.1:5070 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=\(branch)\r\n"
            + (maxForwards ? "Max-Forwards: 70\r\n" : "")
            + "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
            + "To: <sip:bob@127.0.0.1>\(toTag.map { ";tag=\($0)" } ?? "")\r\n"
            + "Call-ID: \(callID)\r\n"
            + "CSeq: \(cseq) \(cseqMethod ?? method)\r\n" + contact
            + "Content-Length: 0\r\n\r\n"
    }

    func response(_ code: Int, _ reason: String, to method: String, cseq: Int = 1, branch: String = "z9hG4bK-1",
                  toTag: String? = "b1") -> String {
        let contact = method == "INVITE" && code < 300 && code > 100 ? "Contact: <sip:bob@127.0.0.1:5070>\r\n" : ""
        return "SIP/2.0 \(code) \(reason)\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=\(branch)\r\n"
            + "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
            + "To: <sip:bob@127.0.0.1>\(toTag.map { ";tag=\($0)" } ?? "")\r\n"
            + "Call-ID: \(callID)\r\n"
            + "CSeq: \(cseq) \(method)\r\n" + contact
            + "Content-Length: 0\r\n\r\n"
    }

    /// A UDP payload sent at `ms` milliseconds after the epoch, caller to callee (`fromCaller`) or back.
    mutating func udp(_ text: String, at ms: Double, fromCaller: Bool = true) -> CapturedPayload {
        packet += 1
        return CapturedPayload(packetNumber: packet, timestamp: Self.epoch + UInt64(ms * 1e6), transport: .udp,
                               source: fromCaller ? Self.caller : Self.callee,
                               destination: fromCaller ? Self.callee : Self.caller, bytes: Array(text.utf8), gapBefore: false)
    }

    mutating func tcp(_ bytes: [UInt8], at ms: Double, gap: Bool = false) -> CapturedPayload {
        packet += 1
        return CapturedPayload(packetNumber: packet, timestamp: Self.epoch + UInt64(ms * 1e6), transport: .tcp,
                               source: Self.caller, destination: Self.callee, bytes: bytes, gapBefore: gap)
    }

    /// A whole answered call: INVITE, 100, 180, 200, ACK, BYE, 200, starting at `ms`.
    mutating func basicCall(at ms: Double = 0) -> [CapturedPayload] {
        [udp(request("INVITE"), at: ms),
         udp(response(100, "Trying", to: "INVITE", toTag: nil), at: ms + 1, fromCaller: false),
         udp(response(180, "Ringing", to: "INVITE"), at: ms + 5, fromCaller: false),
         udp(response(200, "OK", to: "INVITE"), at: ms + 20, fromCaller: false),
         udp(request("ACK", branch: "z9hG4bK-2", toTag: "b1"), at: ms + 21),
         udp(request("BYE", cseq: 2, branch: "z9hG4bK-3", toTag: "b1"), at: ms + 1000),
         udp(response(200, "OK", to: "BYE", cseq: 2, branch: "z9hG4bK-3"), at: ms + 1001, fromCaller: false)]
    }
}

extension CaptureAnalyzer {
    /// Feeds each payload as one packet; returns every call reported, the finish's included.
    mutating func run(_ payloads: [CapturedPayload], finish: Bool = true) -> [CallRecord] {
        var calls: [CallRecord] = []
        for p in payloads { calls += add(packet: [.payload(p)]) }
        if finish { calls += self.finish() }
        return calls
    }
}
