import SIPCore
import SIPConformance
import Testing
import TestSupport

/// Mangled messages never crash the parser or the checkers (crashes on input are bugs).
@Suite struct RobustnessTests {
    static let seeds: [String] = [
        Fixture.invite(adding: ["Record-Route: <sip:p1.example.com;lr>", "Date: Sat, 13 Nov 2010 23:29:00 GMT",
                                "Require: 100rel", "Accept: application/sdp", "Retry-After: 5 (x);duration=3"]),
        Fixture.request("REGISTER", uri: "sip:example.com", ["Contact: \"A\" <sip:a@h.example.com?X=1>;expires=60",
                                                             "Authorization: Digest username=\"a\""]),
        Fixture.response(200, "OK", method: "INVITE", ["Contact: <sip:bob@[2001:db8::1]:5060;transport=tcp>"]),
    ]

    static let special: [UInt8] = Array("<>\";,:@%\\?=&/ \t\r\n0123456789z9hG4bK".utf8) + [0, 0x7F, 0xFF]

    static func exercise(_ bytes: [UInt8], against request: SIPMessage) {
        do {
            let m = try SIPParser().parse(bytes)
            _ = MessageChecker().check(m)
            if m.isResponse { _ = ExchangeChecker().check(response: m, to: request, earlierToTag: "t") }
            if m.isRequest { _ = ExchangeChecker().check(response: request, to: m) }
            _ = try? SIPMessage(parsing: m.serialized())
        } catch {
            #expect(!MessageChecker().findings(for: error).isEmpty)
        }
    }

    @Test(arguments: seeds.indices)
    func everyTruncationIsHandled(_ index: Int) throws {
        let bytes = Array(Self.seeds[index].utf8)
        let request = try SIPMessage(parsing: Fixture.invite)
        for end in 0...bytes.count { Self.exercise(Array(bytes[..<end]), against: request) }
    }

    @Test(arguments: seeds.indices)
    func randomByteEditsAreHandled(_ index: Int) throws {
        var rng = SplitMix64(seed: UInt64(index) &+ 0x5EED)
        let seed = Array(Self.seeds[index].utf8)
        let request = try SIPMessage(parsing: Fixture.invite)
        for _ in 0..<2_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                let c = Self.special.randomElement(using: &rng) ?? 0
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[at] = c
                case 1: bytes.insert(c, at: at)
                default: if bytes.count > 1 { bytes.remove(at: at) }
                }
            }
            Self.exercise(bytes, against: request)
        }
    }

    @Test func hugeNumbersDoNotTrap() {
        let nines = String(repeating: "9", count: 60)
        let text = Fixture.invite(replacing: ["CSeq": "CSeq: \(nines) INVITE", "Max-Forwards": "Max-Forwards: \(nines)"],
                                  adding: ["Expires: \(nines)", "Min-Expires: \(nines)", "Retry-After: \(nines)",
                                           "Via: SIP/2.0/UDP h.example.com:\(nines);branch=z9hG4bK1"])
        let findings = Fixture.findings(text)
        #expect(findings.ids.isSuperset(of: ["rfc3261.20.16.cseq-syntax", "rfc3261.20.22.max-forwards-syntax",
                                             "rfc3261.25.1.delta-seconds", "rfc3261.20.42.via-syntax"]))
        #expect(Fixture.findings("SIP/2.0 \(nines) OK\r\n\r\n").ids.contains("rfc3261.7.2.status-code-range"))
    }
}
