import SIPCore
import SIPConformance
import Testing

/// The copy rules (RFC 3261 §8.2.6.2) skip parsing when the response's bytes agree with the request's. These tests
/// hold the checker to a plain reference that always parses both sides (the rules as they were before the byte
/// comparisons), over requests and responses whose headers differ in the ways the byte comparison must not hide:
/// case, white space, parameter order, a longer branch, a tag in another spelling.
@Suite struct ExchangeCopyFastPathTests {
    /// The copy, Via and tag rules as written before the fast paths: every value parsed on both sides.
    static func reference(_ rsp: SIPMessage, _ req: SIPMessage, earlier: ByteString?) -> [String] {
        var out: [String] = []
        func add(_ id: String, _ f: SIPHeaderField?, _ text: String) { out.append("\(id)@\(f.map { String($0.line) } ?? "-"): \(text)") }
        var vias = rsp.fieldValues(.via).makeIterator()
        let first = vias.next()
        if let extra = vias.next() {
            var count = 2
            while vias.next() != nil { count += 1 }
            add("rfc3261.18.1.2.single-via", extra.field, "the response has \(count) Via values; a UAC accepts only one")
        } else if first == nil {
            add("rfc3261.18.1.2.single-via", nil, "the response has no Via")
        }
        if let first, let mine = try? Via.parse(first.value), let sent = req.topVia {
            if mine.branch != sent.branch {
                add("rfc3261.8.2.6.2.via-copied", first.field, "the Via branch '\(mine.branch?.string ?? "")' is not the request's '\(sent.branch?.string ?? "")'")
            } else if !mine.host.equalsIgnoringCase(sent.host) || mine.port != sent.port {
                add("rfc3261.8.2.6.2.via-copied", first.field, "the Via sent-by '\(mine.sentBy)' is not the request's '\(sent.sentBy)'")
            }
        }
        if let f = rsp.firstField(.from), let mine = rsp.from, let sent = req.from {
            if mine.uri != sent.uri {
                add("rfc3261.8.2.6.2.from-copied", f, "the From URI '\(mine.uri)' is not the request's '\(sent.uri)'")
            } else if mine.tag != sent.tag {
                add("rfc3261.8.2.6.2.from-copied", f, "the From tag '\(mine.tag?.string ?? "")' is not the request's '\(sent.tag?.string ?? "")'")
            }
        }
        if let f = rsp.firstField(.callID), let sent = req.callID, rsp.value(of: f) != sent {
            add("rfc3261.8.2.6.2.call-id-copied", f, "the Call-ID '\(rsp.value(of: f))' is not the request's '\(sent)'")
        }
        if let f = rsp.firstField(.cseq), let mine = rsp.cseq, let sent = req.cseq, mine != sent {
            add("rfc3261.8.2.6.2.cseq-copied", f, "the CSeq '\(mine)' is not the request's '\(sent)'")
        }
        if let f = rsp.firstField(.to), let mine = rsp.to, let sent = req.to {
            if mine.uri != sent.uri {
                add("rfc3261.8.2.6.2.to-copied", f, "the To URI '\(mine.uri)' is not the request's '\(sent.uri)'")
            } else if let tag = sent.tag, mine.tag != tag {
                add("rfc3261.8.2.6.2.to-copied", f, "the To tag '\(mine.tag?.string ?? "")' is not the in-dialog request's '\(tag)'")
            }
        }
        if req.method == .cancel, let f = rsp.firstField(.cseq), let mine = rsp.cseq, mine.method != .cancel {
            add("rfc3261.9.2.cancel-response-cseq", f, "the response to CANCEL has CSeq method \(mine.method)")
        }
        if let code = rsp.statusCode, let f = rsp.firstField(.to), let to = rsp.to {
            if code != 100, to.tag == nil { add("rfc3261.8.2.6.2.to-tag", f, "the \(code) response has no To tag") }
            if let earlier, let tag = to.tag, tag != earlier {
                add("rfc3261.12.1.1.same-to-tag", f, "the To tag '\(tag)' differs from the earlier response's '\(earlier)'")
            }
        }
        return out
    }

    static let referenceIDs: Set<String> = [
        "rfc3261.18.1.2.single-via", "rfc3261.8.2.6.2.via-copied", "rfc3261.8.2.6.2.from-copied",
        "rfc3261.8.2.6.2.call-id-copied", "rfc3261.8.2.6.2.cseq-copied", "rfc3261.8.2.6.2.to-copied",
        "rfc3261.9.2.cancel-response-cseq", "rfc3261.8.2.6.2.to-tag", "rfc3261.12.1.1.same-to-tag",
    ]

    /// The checker's findings of the reference's rules, in the reference's notation, sorted like the reference's.
    static func checked(_ rsp: SIPMessage, _ req: SIPMessage, earlier: ByteString?) -> [String] {
        ExchangeChecker().check(response: rsp, to: req, earlierToTag: earlier)
            .filter { referenceIDs.contains($0.rule.id) }
            .map { "\($0.rule.id)@\($0.line.map(String.init) ?? "-"): \($0.message)" }
    }

    static func message(_ startLine: String, _ headers: [String]) throws -> SIPMessage {
        try SIPMessage(parsing: ([startLine] + headers + ["Content-Length: 0"]).joined(separator: "\r\n") + "\r\n\r\n")
    }

    // Request header values; each is paired with every response value of the same header below.
    static let requestVias = [
        "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;rport",
        "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds",
        "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhdsX",
        "SIP/2.0/UDP pc33.example.com;branch=\"z9hG4bK776asdhds\";rport",
        "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds ;rport",
        "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;;bad",
        "SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds",
    ]
    static let responseVias = [
        "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.1",
        "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds",
        "SIP/2.0/UDP PC33.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1",
        "SIP/2.0/UDP pc33.example.com;branch=\"z9hG4bK776asdhds\"",
        "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhd",
        "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhdx",  // as long as the request's second, other bytes
        "SIP/2.0/UDP pc33.example.com ; branch = z9hG4bK776asdhds",
    ]
    static let requestFroms = [
        "Alice <sip:alice@example.com>;tag=1928301774",
        "Alice <sip:alice@example.com>;tag=1928301774;x=1",
        "\"Alice\" <sip:alice@example.com>;tag=19283",
        "Alice <sip:alice@example.com;tag=1928301774",
    ]
    static let responseFroms = [
        "Alice <sip:alice@example.com>;tag=1928301774",
        "alice <sip:alice@example.com>;tag=1928301774",
        "Alice <sip:alice@example.com> ; tag=1928301774",
        "Alice <sip:alice@example.com>;x=1;tag=1928301774",
        "Alice <sip:Alice@example.com>;tag=1928301774",
        "Alice <sip:alice@example.com>;TAG=1928301774",
    ]
    static let requestTos = [
        "Bob <sip:bob@example.com>",
        "Bob <sip:bob@example.com>;tag=dlg1",
        "sip:bob@example.com",
        "Bob <sip:bob@example.com>;x=\"a",
        "\"Bob",
        "Bob <sip:bob@example.com>;x=",
    ]
    static let responseTos = [
        "Bob <sip:bob@example.com>;tag=a6c85cf",
        "Bob <sip:bob@example.com>",
        "Bob <sip:bob@example.com>;tag=dlg1",
        "sip:bob@example.com;tag=a6c85cf",
        "Bob <sip:bob@example.com>;x=\"a;tag=a6c85cf\"",
        "\"Bob;tag=a6c85cf\" <sip:carol@example.com>",
        "Bob <sip:bob@example.com>;TAG=a6c85cf",
        "Bob <sip:bob@example.com>;tag=a6c85cf;tag=dlg1",
        "Bob <sip:bob@example.com>;x=;tag=a6c85cf",
        "Bob <sip:bob@example.com>;tag=dlg1;tag=a6c85cf",
    ]
    static let requestCSeqs = ["314159 INVITE", "1 CANCEL"]
    static let responseCSeqs = ["314159 INVITE", "314159  INVITE", "1 CANCEL", "314159 invite", "x INVITE"]

    /// One request and response pair: the default values of every header but those given.
    struct Variant {
        var reqVia = requestVias[0], rspVia = responseVias[0]
        var reqFrom = requestFroms[0], rspFrom = responseFroms[0]
        var reqTo = requestTos[0], rspTo = responseTos[0]
        var reqCSeq = requestCSeqs[0], rspCSeq = responseCSeqs[0]

        /// The request with these values (a CANCEL when its CSeq says so, else an INVITE).
        func request(callID: String = "a84b4c76e66710@pc33.example.com") throws -> SIPMessage {
            let method = reqCSeq.hasSuffix("CANCEL") ? "CANCEL" : "INVITE"
            return try message("\(method) sip:bob@example.com SIP/2.0", [
                "Via: \(reqVia)", "Max-Forwards: 70", "To: \(reqTo)", "From: \(reqFrom)", "Call-ID: \(callID)",
                "CSeq: \(reqCSeq)",
            ])
        }

        /// The response with these values and the status line `code`.
        func response(_ code: String, callID: String = "a84b4c76e66710@pc33.example.com") throws -> SIPMessage {
            try message("SIP/2.0 \(code)", [
                "Via: \(rspVia)", "To: \(rspTo)", "From: \(rspFrom)", "Call-ID: \(callID)", "CSeq: \(rspCSeq)",
            ])
        }
    }

    /// Each header's request values against each of its response values (and against themselves, the bytes-equal
    /// case), the other headers at their defaults: the fast paths are per header.
    static var variants: [Variant] {
        var out: [Variant] = []
        for (q, r) in pairs(requestVias, responseVias) { out.append(Variant(reqVia: q, rspVia: r)) }
        for (q, r) in pairs(requestFroms, responseFroms) { out.append(Variant(reqFrom: q, rspFrom: r)) }
        for (q, r) in pairs(requestTos, responseTos) { out.append(Variant(reqTo: q, rspTo: r)) }
        for (q, r) in pairs(requestCSeqs, responseCSeqs) { out.append(Variant(reqCSeq: q, rspCSeq: r)) }
        return out
    }

    static func pairs(_ requests: [String], _ responses: [String]) -> [(String, String)] {
        requests.flatMap { q in ([q] + responses).map { (q, $0) } }
    }

    @Test func theByteComparisonsAgreeWithParsingBothSides() throws {
        for v in Self.variants {
            let request = try v.request()
            for code in ["100 Trying", "200 OK"] {
                let response = try v.response(code)
                for earlier: ByteString? in [nil, "a6c85cf"] {
                    let expected = Self.reference(response, request, earlier: earlier)
                    let got = Self.checked(response, request, earlier: earlier)
                    #expect(got.sorted() == expected.sorted(),
                            "\(String(decoding: request.rawBytes, as: UTF8.self))\n\(String(decoding: response.rawBytes, as: UTF8.self))")
                }
            }
        }
    }

    /// A well-formed INVITE the responses of these tests (and `ResponseCheckerTests`) answer.
    static func invite() throws -> SIPMessage {
        try message("INVITE sip:bob@example.com SIP/2.0", [
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;rport", "Max-Forwards: 70",
            "To: Bob <sip:bob@example.com>", "From: Alice <sip:alice@example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.example.com", "CSeq: 314159 INVITE", "Contact: <sip:alice@pc33.example.com>",
        ])
    }

    @Test func copiedBytesAndTheirParsedEquivalentsAreBothClean() throws {
        let invite = try Self.invite()
        // Bytes equal (To with the added tag): the fast paths.
        let copied = try Self.message("SIP/2.0 180 Ringing", [
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.1",
            "To: Bob <sip:bob@example.com>;tag=a6c85cf", "From: Alice <sip:alice@example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.example.com", "CSeq: 314159 INVITE",
        ])
        #expect(ExchangeChecker().check(response: copied, to: invite).isEmpty)
        // The same values spelled otherwise: judged parsed, and still clean.
        let respelled = try Self.message("SIP/2.0 180 Ringing", [
            "Via: SIP/2.0/UDP PC33.example.com ; branch=z9hG4bK776asdhds",
            "To: bob  <sip:bob@example.com> ;TAG=a6c85cf", "From: \"Alice\" <sip:alice@example.com> ; tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.example.com", "CSeq: 314159   INVITE",
        ])
        #expect(ExchangeChecker().check(response: respelled, to: invite).isEmpty)
        // Bytes that differ in what matters: each copy rule fires.
        let changed = try Self.message("SIP/2.0 180 Ringing", [
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhdsX", "To: Bob <sip:Bob@example.com>;tag=a6c85cf",
            "From: Alice <sip:alice@example.com>;tag=19283017740", "Call-ID: A84b4c76e66710@pc33.example.com",
            "CSeq: 314158 INVITE",
        ])
        #expect(ExchangeChecker().check(response: changed, to: invite).ids == [
            "rfc3261.8.2.6.2.via-copied", "rfc3261.8.2.6.2.to-copied", "rfc3261.8.2.6.2.from-copied",
            "rfc3261.8.2.6.2.call-id-copied", "rfc3261.8.2.6.2.cseq-copied",
        ])
    }
}
