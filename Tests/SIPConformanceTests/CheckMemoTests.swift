import SIPCore
import Testing
@testable import SIPConformance

/// A `CheckMemo` lets a run of checks skip a To or Contact value found well formed before. It must change no
/// finding, whatever order messages come in.
@Suite struct CheckMemoTests {
    /// Every rule case and clean message that parses, each after the clean INVITE (whose To and Contact the memo
    /// then holds) and twice in a row, forward and then backward.
    static func sequence() throws -> [SIPMessage] {
        let texts = RuleCase.all.map(\.text) + MessageRuleTests.clean
        let messages = texts.compactMap { try? SIPMessage(parsing: $0) }
        let invite = try SIPMessage(parsing: Fixture.invite)
        let once = messages.flatMap { [invite, $0, $0] }
        return once + once.reversed()
    }

    @Test func aMemoChangesNoFindingOfTheMessageRules() throws {
        var memo = CheckMemo()
        var remembered = 0
        for m in try Self.sequence() {
            let got = MessageChecker().check(m, memo: &memo)
            #expect(got == MessageChecker().check(m), "\(String(decoding: m.rawBytes, as: UTF8.self))")
            if memo.contact != nil || memo.to != nil { remembered += 1 }
        }
        #expect(remembered > 100)  // the memo held values, so later checks met them
    }

    @Test func theCleanInvitesToAndContactAreRemembered() throws {
        var memo = CheckMemo()
        #expect(MessageChecker().check(try SIPMessage(parsing: Fixture.invite), memo: &memo).isEmpty)
        #expect(memo.to == ByteString("Bob <sip:bob@example.com>"))
        #expect(memo.contact == ByteString("<sip:alice@pc33.example.com>"))
        // Nor is a To with a tag, which belongs to one dialog: the initial request's To stays.
        let tagged = Fixture.invite(replacing: ["To": "To: Bob <sip:bob@example.com>;tag=a6c85cf"])
        #expect(MessageChecker().check(try SIPMessage(parsing: tagged), memo: &memo).isEmpty)
        #expect(memo.to == ByteString("Bob <sip:bob@example.com>"))
        // A value with a finding is not kept: the one before stays.
        let bad = Fixture.invite(replacing: ["Contact": "Contact: <sip:alice@pc33.example.com;>"])
        #expect(MessageChecker().check(try SIPMessage(parsing: bad), memo: &memo).ids == ["rfc3261.20.10.contact-syntax"])
        #expect(memo.contact == ByteString("<sip:alice@pc33.example.com>"))
        // Nor is a wildcard, which is only well formed in some messages.
        let star = Fixture.request("REGISTER", uri: "sip:example.com", ["Contact: *", "Expires: 0"])
        #expect(MessageChecker().check(try SIPMessage(parsing: star), memo: &memo).isEmpty)
        #expect(memo.contact == ByteString("<sip:alice@pc33.example.com>"))
        let starInInvite = Fixture.invite(replacing: ["Contact": "Contact: *"])
        #expect(MessageChecker().check(try SIPMessage(parsing: starInInvite), memo: &memo).ids == ["rfc3261.10.2.2.contact-wildcard"])
    }

    /// A Contact with URI headers is well formed in an INVITE, and still reported in a REGISTER after it.
    @Test func aREGISTERsContactIsExaminedEvenWhenRemembered() throws {
        let contact = "Contact: <sip:alice@pc33.example.com?Route=%3Csip:evil.example.com%3E>"
        var memo = CheckMemo()
        #expect(MessageChecker().check(try SIPMessage(parsing: Fixture.invite(replacing: ["Contact": contact])), memo: &memo).isEmpty)
        #expect(memo.contact != nil)
        let register = try SIPMessage(parsing: Fixture.request("REGISTER", uri: "sip:example.com", [contact]))
        #expect(MessageChecker().check(register, memo: &memo).ids == ["rfc4475.3.3.14.register-contact-uri-headers"])
    }
}
