import Testing
@testable import SIPCore

@Suite struct HostNameTests {
    /// The label rule of RFC 3261 §25.1 `hostname` as first written: split at dots, allow one final dot.
    static func reference(_ host: ArraySlice<UInt8>) -> Bool {
        var labels = host.split(separator: 0x2E, omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        return labels.allSatisfy { !$0.isEmpty && $0.first != 0x2D && $0.last != 0x2D }
    }

    @Test func agreesWithTheLabelRuleOnEveryShortString() {
        let alphabet = Array("a-.".utf8)
        var strings: [[UInt8]] = [[]]
        var frontier: [[UInt8]] = [[]]
        for _ in 1...6 {
            frontier = frontier.flatMap { s in alphabet.map { s + [$0] } }
            strings += frontier
        }
        for s in strings {
            #expect(SIPURI.isHostName(s[...]) == Self.reference(s[...]), "\(String(decoding: s, as: UTF8.self))")
        }
        #expect(SIPURI.isHostName(Array("pc33.atlanta.example.com.".utf8)[...]))
        #expect(!SIPURI.isHostName(Array("a..b".utf8)[...]))
    }
}
