import SIPCore
import SIPConformance
import Testing

/// `ResponseChecker` runs the message and exchange rules on a response in one pass. It must find what
/// `MessageChecker` and `ExchangeChecker` find together, except the findings of the value-alone rules on the
/// values the response copied byte for byte from its request (From, Call-ID, CSeq, the Via, the To), which are the
/// request's, and of the To syntax rule on the request's To with a tag added.
@Suite struct ResponseCheckerTests {
    /// The rules that judge one value alone, of the five headers a response copies.
    static let valueRules: [HeaderName: Set<String>] = [
        .from: ["rfc3261.20.20.from-syntax"],
        .callID: ["rfc3261.20.8.call-id-syntax"],
        .cseq: ["rfc3261.20.16.cseq-syntax", "rfc3261.8.1.1.5.cseq-method"],
        .to: ["rfc3261.20.39.to-syntax"],
        .via: ["rfc3261.20.42.via-syntax", "rfc3261.20.42.via-sent-protocol", "rfc3261.8.1.1.7.branch-cookie",
               "rfc4475.3.3.10.via-broadcast"],
    ]

    /// The two checkers' findings together, less those of `valueRules` on a line whose value is the request's
    /// first value of that header, byte for byte, and the To syntax rule's on a To that is the request's with a tag
    /// added (the reference the combined check is held to).
    static func reference(_ rsp: SIPMessage, _ req: SIPMessage, earlier: ByteString?) -> [String] {
        var copiedLines: [Int: Set<String>] = [:]
        for (name, rules) in valueRules {
            guard let mine = rsp.firstField(name), let sent = req.firstField(name),
                  rsp.storage[mine.valueRange].elementsEqual(req.storage[sent.valueRange]) else { continue }
            copiedLines[Int(mine.line)] = rules
        }
        if let mine = rsp.firstField(.to), let sent = req.firstField(.to),
           isRequestsToWithATag(rsp.value(of: mine).string, request: req.value(of: sent).string) {
            copiedLines[Int(mine.line)] = ["rfc3261.20.39.to-syntax"]
        }
        let both = ExchangeChecker().check(response: rsp, to: req, earlierToTag: earlier) + MessageChecker().check(rsp)
        return both.filter { f in !(f.line.map { copiedLines[$0]?.contains(f.rule.id) ?? false } ?? false) }
            .map(Self.spelled)
    }

    /// Whether `to` is `sent` followed by `;tag=` and a token, where `sent` has no parameter outside `<>`.
    static func isRequestsToWithATag(_ to: String, request sent: String) -> Bool {
        guard sent.hasSuffix(">") || !sent.contains(";"), to.hasPrefix(sent + ";tag=") else { return false }
        let tag = to.dropFirst(sent.count + 5)
        let tokenOther = Set("-.!%*_+`'~")
        return !tag.isEmpty && tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || tokenOther.contains($0)) }
    }

    static func spelled(_ f: Finding) -> String { "\(f.rule.id)@\(f.line.map(String.init) ?? "-"): \(f.message)" }

    static func message(_ startLine: String, _ headers: [String]) throws -> SIPMessage {
        try ExchangeCopyFastPathTests.message(startLine, headers)
    }

    /// Values of the request that break a value rule, next to the fast-path tests' well-formed and respelled ones.
    static let badVias = ["SIP/2.0/UDP pc33.example.com;branch=776asdhds", "SIP/3.0/UDP pc33.example.com;branch=z9hG4bKx",
                          "SIP/2.0/UDP 255.255.255.255;branch=z9hG4bKx", "SIP/2.0/UDP pc33.example.com;;branch=z9hG4bKx"]
    static let badFroms = ["Alice <sip:alice@example.com;tag=1928301774", "<sip:alice@exa mple.com>;tag=1"]
    static let badTos = ["Bob <sip:bob@exa mple.com>", "sip:bob@example.com:99999", "Bob <sip:bob@example.com;>"]
    static let badCallIDs = ["a84b4c76e66710@pc33.example.com", "a84b 4c76@pc33", "@pc33"]
    static let badCSeqs = ["314159 INVITE", "x INVITE", "314159 BYE"]

    @Test func findsWhatBothCheckersFindLessTheCopiedValuesRules() throws {
        typealias V = ExchangeCopyFastPathTests.Variant
        var variants = ExchangeCopyFastPathTests.variants
        for via in Self.badVias {
            variants.append(V(reqVia: via, rspVia: via))
            variants.append(V(reqVia: ExchangeCopyFastPathTests.requestVias[1], rspVia: via))
        }
        // A malformed To of the request, answered with a tag added or copied whole (left out), or with other bytes.
        for to in Self.badTos {
            variants.append(V(reqTo: to, rspTo: to + ";tag=a6c85cf"))
            variants.append(V(reqTo: to, rspTo: to + ";tag=a6c85cf;x"))
            variants.append(V(reqTo: to + ";tag=dlg1", rspTo: to + ";tag=dlg1"))  // in a dialog: copied as it was
            variants.append(V(reqTo: to + ";tag=dlg1", rspTo: to + ";tag=dlg2"))
            variants.append(V(reqTo: ExchangeCopyFastPathTests.requestTos[0], rspTo: to + ";tag=a6c85cf"))
        }
        for from in Self.badFroms {
            variants.append(V(reqFrom: from, rspFrom: from))
            variants.append(V(reqFrom: ExchangeCopyFastPathTests.requestFroms[0], rspFrom: from))
        }
        // A copied Via line with two values: one Via too many for a UAC, copy or not.
        let twoVias = "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds, SIP/2.0/UDP p.example.com;branch=z9hG4bKp"
        variants.append(V(reqVia: twoVias, rspVia: twoVias))
        // Values as long as the request's, but not the same bytes: not copies.
        variants.append(V(reqVia: ExchangeCopyFastPathTests.requestVias[1],
                          rspVia: "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhdx"))
        variants.append(V(reqVia: Self.badVias[0], rspVia: "SIP/2.0/UDP pc33.example.com;branch=776asdhdx"))
        variants.append(V(reqFrom: Self.badFroms[0], rspFrom: "Alice <sip:alice@example.com;tag=1928301775"))
        variants.append(V(reqCSeq: "314159 INVITE", rspCSeq: "314158 INVITE"))
        for cseq in Self.badCSeqs {
            variants.append(V(reqCSeq: cseq, rspCSeq: cseq))
            variants.append(V(reqCSeq: "314159 INVITE", rspCSeq: cseq))
        }
        var checkedPairs = 0, copiedFindingsLeftOut = 0
        var memo = CheckMemo()  // carried through every pair, as the engine carries it: it changes nothing
        for v in variants {
            for (reqCallID, rspCallID) in Self.badCallIDs.map({ ($0, $0) }) + [(Self.badCallIDs[0], Self.badCallIDs[1]), ("a84b 4c76@pc33", "a84b 4c77@pc33")] {
                let request = try v.request(callID: reqCallID)
                for code in ["100 Trying", "200 OK"] {
                    let response = try v.response(code, callID: rspCallID)
                    for earlier: ByteString? in [nil, "a6c85cf"] {
                        let expected = Self.reference(response, request, earlier: earlier)
                        let got = ResponseChecker().check(response, answering: request, earlierToTag: earlier)
                        #expect(got.map(Self.spelled).sorted() == expected.sorted(),
                                "\(String(decoding: request.rawBytes, as: UTF8.self))\n\(String(decoding: response.rawBytes, as: UTF8.self))")
                        #expect(ResponseChecker().check(response, answering: request, earlierToTag: earlier, memo: &memo) == got)
                        checkedPairs += 1
                        copiedFindingsLeftOut += MessageChecker().check(response).count
                            + ExchangeChecker().check(response: response, to: request, earlierToTag: earlier).count
                            - got.count
                    }
                }
            }
        }
        #expect(checkedPairs > 500)
        #expect(copiedFindingsLeftOut > 50)  // the copies of the malformed values were met, and left out
    }

    @Test func aCopyOfTheRequestsMalformedValuesIsNotTheAnswersFault() throws {
        let request = try Self.message("INVITE sip:bob@example.com SIP/2.0", [
            "Via: SIP/2.0/UDP pc33.example.com;branch=776asdhds", "Max-Forwards: 70", "To: Bob <sip:bob@exa mple.com>",
            "From: Alice <sip:alice@example.com;tag=1928301774", "Call-ID: a84b 4c76@pc33", "CSeq: x INVITE",
        ])
        let copied = try Self.message("SIP/2.0 486 Busy Here", [
            "Via: SIP/2.0/UDP pc33.example.com;branch=776asdhds", "To: Bob <sip:bob@exa mple.com>;tag=a6c85cf",
            "From: Alice <sip:alice@example.com;tag=1928301774", "Call-ID: a84b 4c76@pc33", "CSeq: x INVITE",
        ])
        let alone: Set<String> = ["rfc3261.8.1.1.7.branch-cookie", "rfc3261.20.20.from-syntax",
                                  "rfc3261.20.8.call-id-syntax", "rfc3261.20.16.cseq-syntax",
                                  "rfc3261.20.39.to-syntax"]
        #expect(alone.isSubset(of: MessageChecker().check(copied).ids), "\(MessageChecker().check(copied).listing)")
        let combined = ResponseChecker().check(copied, answering: request)
        #expect(combined.ids.isDisjoint(with: alone), "\(combined.listing)")

        // The same defects of the answer's own making (values the request did not have) are reported.
        let own = try Self.message("SIP/2.0 486 Busy Here", [
            "Via: SIP/2.0/UDP pc33.example.com;branch=776asdhdsX", "To: Bob <sip:bob@exa mple.com>;tag=a6c85cf;x",
            "From: Alice <sip:alice@example.com;tag=19283017740", "Call-ID: a84b 4c76@pc34", "CSeq: y INVITE",
        ])
        #expect(alone.isSubset(of: ResponseChecker().check(own, answering: request).ids),
                "\(ResponseChecker().check(own, answering: request).listing)")
    }

    @Test func aCleanAnswerIsCleanAndAFaultyOneKeepsItsExchangeFindings() throws {
        let invite = try ExchangeCopyFastPathTests.invite()
        let ok = try Self.message("SIP/2.0 200 OK", [
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;rport", "To: Bob <sip:bob@example.com>;tag=a6c85cf",
            "From: Alice <sip:alice@example.com>;tag=1928301774", "Call-ID: a84b4c76e66710@pc33.example.com",
            "CSeq: 314159 INVITE", "Contact: <sip:bob@192.0.2.4>",
        ])
        #expect(ResponseChecker().check(ok, answering: invite).isEmpty, "\(ResponseChecker().check(ok, answering: invite).listing)")
        // No To tag on a 200, and a second Via: exchange rules, with the To parsed by the address rules.
        let faulty = try Self.message("SIP/2.0 200 OK", [
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds;rport", "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp",
            "To: Bob <sip:bob@example.com>", "From: Alice <sip:alice@example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.example.com", "CSeq: 314159 INVITE", "Contact: <sip:bob@192.0.2.4>",
        ])
        #expect(ResponseChecker().check(faulty, answering: invite).ids == ["rfc3261.8.2.6.2.to-tag", "rfc3261.18.1.2.single-via"])
    }
}
