import SIPCore
import SIPConformance
import Testing

/// Responses checked against the request they answer, as the UAC receives them (RFC 3261 §8.2.6.2, §12.1.1).
@Suite struct ExchangeRuleTests {
    static var invite: SIPMessage {
        get throws { try SIPMessage(parsing: Fixture.invite(adding: ["Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>"])) }
    }
    static var register: SIPMessage {
        get throws { try SIPMessage(parsing: Fixture.request("REGISTER", uri: "sip:example.com", ["Contact: <sip:alice@pc33.example.com>"])) }
    }
    static var cancel: SIPMessage { get throws { try SIPMessage(parsing: Fixture.request("CANCEL")) } }

    /// A response to `request` built the way a UAS does, then edited: each edit replaces every header of that name
    /// (first occurrence only is kept) or removes it when nil; `adding` lines go at the end.
    static func answer(_ request: SIPMessage, _ code: Int, toTag: String? = "a6c85cf", extra: [String] = [],
                       replacing edits: [String: String?] = [:], adding: [String] = []) throws -> SIPMessage {
        let built = try SIPMessage.response(to: request, statusCode: code, reason: "Reason", toTag: toTag,
                                            extraHeaders: extra.map(Self.pair))
        var headers: [(String, String)] = []
        var replaced: Set<String> = []
        for f in built.headers where f.name != .contentLength {
            let name = f.name.canonicalName
            if let edit = edits[name] {
                if let new = edit, replaced.insert(name).inserted { headers.append(pair(new)) }
            } else {
                headers.append((name, built.value(of: f).string))
            }
        }
        return try SIPMessage.response(code, reason: "Reason", headers: headers + adding.map(pair))
    }

    static func pair(_ line: String) -> (String, String) {
        let name = line.prefix { $0 != ":" }
        return (String(name), String(line.dropFirst(name.count + 1).drop { $0 == " " }))
    }

    static func check(_ response: SIPMessage, _ request: SIPMessage, earlier: ByteString? = nil) -> [Finding] {
        ExchangeChecker().check(response: response, to: request, earlierToTag: earlier)
    }

    @Test func responsesBuiltByTheRulesHaveNoFindings() throws {
        #expect(try Self.check(Self.answer(Self.invite, 100, toTag: nil), Self.invite).isEmpty)
        #expect(try Self.check(Self.answer(Self.invite, 180), Self.invite, earlier: "a6c85cf").isEmpty)
        let ok = try Self.answer(Self.invite, 200, extra: ["Contact: <sip:bob@192.0.2.4>"])
        #expect(try Self.check(ok, Self.invite, earlier: "a6c85cf").isEmpty, "\((try? Self.check(ok, Self.invite))?.listing ?? "")")
        #expect(MessageChecker().check(ok).isEmpty, "\(MessageChecker().check(ok).listing)")
        #expect(try Self.check(Self.answer(Self.invite, 486), Self.invite).isEmpty)
        #expect(try Self.check(Self.answer(Self.cancel, 200), Self.cancel).isEmpty)
        let registered = try Self.answer(Self.register, 200, extra: ["Contact: <sip:alice@pc33.example.com>;expires=3600"])
        #expect(try Self.check(registered, Self.register).isEmpty)
        let withExpires = try Self.answer(Self.register, 200, extra: ["Contact: <sip:alice@pc33.example.com>", "Expires: 3600"])
        #expect(try Self.check(withExpires, Self.register).isEmpty)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let id: String
        let note: String
        let make: @Sendable () throws -> (response: SIPMessage, request: SIPMessage, earlier: ByteString?)
        var testDescription: String { "\(id): \(note)" }
    }

    static let cases: [Case] = [
        Case(id: "rfc3261.18.1.2.single-via", note: "a second Via left by a proxy") {
            try (answer(invite, 486, adding: ["Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1"]), invite, nil)
        },
        Case(id: "rfc3261.8.2.6.2.via-copied", note: "another branch") {
            try (answer(invite, 486, replacing: ["Via": "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKother"]), invite, nil)
        },
        Case(id: "rfc3261.8.2.6.2.via-copied", note: "another sent-by") {
            try (answer(invite, 486, replacing: ["Via": "Via: SIP/2.0/UDP pc33.example.com:5070;branch=z9hG4bK776asdhds"]), invite, nil)
        },
        Case(id: "rfc3261.8.2.6.2.from-copied", note: "another From tag") {
            try (answer(invite, 486, replacing: ["From": "From: Alice <sip:alice@example.com>;tag=999"]), invite, nil)
        },
        Case(id: "rfc3261.8.2.6.2.from-copied", note: "another From URI") {
            try (answer(invite, 486, replacing: ["From": "From: <sip:mallory@example.com>;tag=1928301774"]), invite, nil)
        },
        Case(id: "rfc3261.8.2.6.2.call-id-copied", note: "another Call-ID") {
            try (answer(invite, 486, replacing: ["Call-ID": "Call-ID: other@example.com"]), invite, nil)
        },
        Case(id: "rfc3261.8.2.6.2.cseq-copied", note: "another CSeq number") {
            try (answer(invite, 486, replacing: ["CSeq": "CSeq: 314160 INVITE"]), invite, nil)
        },
        Case(id: "rfc3261.8.2.6.2.to-copied", note: "another To URI") {
            try (answer(invite, 486, replacing: ["To": "To: <sip:carol@example.com>;tag=1"]), invite, nil)
        },
        Case(id: "rfc3261.8.2.6.2.to-copied", note: "in-dialog request's To tag not echoed") {
            let bye = try SIPMessage(parsing: Fixture.request("BYE").replacingOccurrences(
                "To: Bob <sip:bob@example.com>", "To: Bob <sip:bob@example.com>;tag=dlg1"))
            return try (answer(bye, 200, replacing: ["To": "To: Bob <sip:bob@example.com>;tag=dlg2"]), bye, nil)
        },
        Case(id: "rfc3261.8.2.6.2.to-tag", note: "180 without To tag") {
            try (answer(invite, 180, toTag: nil), invite, nil)
        },
        Case(id: "rfc3261.12.1.1.same-to-tag", note: "200 with a To tag other than the 180's") {
            try (answer(invite, 200, extra: ["Contact: <sip:bob@192.0.2.4>"]), invite, "other-tag")
        },
        Case(id: "rfc3261.9.2.cancel-response-cseq", note: "200 to CANCEL with CSeq INVITE") {
            try (answer(cancel, 200, replacing: ["CSeq": "CSeq: 1 INVITE"]), cancel, nil)
        },
        Case(id: "rfc3261.12.1.1.record-route-copied", note: "200 to INVITE without Record-Route") {
            try (answer(invite, 200, extra: ["Contact: <sip:bob@192.0.2.4>"], replacing: ["Record-Route": nil]), invite, nil)
        },
        Case(id: "rfc3261.12.1.1.record-route-copied", note: "Record-Route reordered") {
            try (answer(invite, 200, extra: ["Contact: <sip:bob@192.0.2.4>"],
                        replacing: ["Record-Route": "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>"]), invite, nil)
        },
        Case(id: "rfc3261.10.3.register-bindings", note: "200 to REGISTER without Contact") {
            try (answer(register, 200), register, nil)
        },
        Case(id: "rfc3261.10.3.register-bindings", note: "binding without expiry") {
            try (answer(register, 200, extra: ["Contact: <sip:alice@pc33.example.com>"]), register, nil)
        },
    ]

    @Test(arguments: cases)
    func ruleFires(_ c: Case) throws {
        let (response, request, earlier) = try c.make()
        let findings = Self.check(response, request, earlier: earlier)
        #expect(findings.ids.contains(c.id), "expected \(c.id); got \(findings.listing)")
        #expect(findings.with(c.id).allSatisfy { $0.rule.scope == .exchange && $0.header != nil })
    }

    @Test func everyExchangeRuleHasACase() {
        let covered = Set(Self.cases.map(\.id))
        for rule in RuleCatalogue.all where rule.scope == .exchange {
            #expect(covered.contains(rule.id), "no case breaks \(rule.id)")
        }
    }

    @Test func recordRoutesAddedByProxiesAboveTheRequestsAreFine() throws {
        let ok = try Self.answer(Self.invite, 200, extra: ["Contact: <sip:bob@192.0.2.4>"],
                                 replacing: ["Record-Route": "Record-Route: <sip:p0.example.com;lr>, <sip:p1.example.com;lr>, <sip:p2.example.com;lr>"])
        #expect(try Self.check(ok, Self.invite).isEmpty, "\((try? Self.check(ok, Self.invite))?.listing ?? "")")
        let below = try Self.answer(Self.invite, 200, extra: ["Contact: <sip:bob@192.0.2.4>"],
                                    replacing: ["Record-Route": "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>, <sip:p0.example.com;lr>"])
        #expect(try Self.check(below, Self.invite).ids == ["rfc3261.12.1.1.record-route-copied"])
    }

    @Test func aProvisionalWithoutTagDoesNotCountAgainstTheDialogTag() throws {
        let trying = try Self.answer(Self.invite, 100, toTag: nil)
        #expect(try Self.check(trying, Self.invite, earlier: "a6c85cf").isEmpty)
    }
}
