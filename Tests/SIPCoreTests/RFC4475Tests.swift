import Foundation
import Testing
import TestSupport
@testable import SIPCore

/// The RFC 4475 torture messages, when `../shared/conformance/rfc4475` is beside the repository. SIPCore's part of
/// the manifest: `valid` messages parse, their typed headers parse, and they round-trip; no message crashes.
/// Without the corpus (a user's clone) the suite is skipped, and the test output says so in one line.
@Suite(.enabled(if: !Fixtures.rfc4475.isEmpty, "RFC 4475 corpus not found at ../shared/conformance/rfc4475"))
struct RFC4475Tests {
    /// `file → expect` from MANIFEST.tsv.
    static let manifest: [String: String] = {
        let url = Fixtures.repositoryRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/conformance/rfc4475/MANIFEST.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            if cols.count >= 3 { out[String(cols[0])] = String(cols[2]) }
        }
        return out
    }()

    @Test func validMessagesParseAndRoundTrip() throws {
        let valid = Fixtures.rfc4475.filter { Self.manifest[$0.name] == "valid" }
        #expect(Self.manifest.count == 49, "MANIFEST.tsv lists every message")
        #expect(valid.count == 16)
        for (name, bytes) in valid {
            let m: SIPMessage
            do { m = try SIPMessage(parsing: bytes) } catch {
                Issue.record("\(name) does not parse: \(error)")
                continue
            }
            #expect(m.topVia != nil, "\(name): Via")
            #expect(throws: Never.self, "\(name): all Vias") { try m.parseVias() }
            #expect(m.from != nil && m.to != nil, "\(name): From/To")
            #expect(m.cseq != nil, "\(name): CSeq")
            #expect(throws: Never.self, "\(name): Contact") { try m.parseContacts() }
            if let uri = m.requestURI {
                #expect(throws: Never.self, "\(name): Request-URI") { try SIPURI.parse(uri) }
            }
            if m.isRequest { #expect(m.cseq?.method == m.method, "\(name): CSeq method") }
            let again = try SIPMessage(parsing: m.serialized())
            #expect(again == m, "\(name): round trip")
        }
    }

    @Test func specificFindings() throws {
        func parse(_ name: String) throws -> SIPMessage {
            try SIPMessage(parsing: try #require(Fixtures.rfc4475.first { $0.name == name }).bytes)
        }
        // §3.1.1.8: a datagram with a second message after the first one's body.
        #expect(try parse("dblreq.dat").issueKinds.contains(.trailingOctets))
        // §3.1.1.13: empty reason phrase.
        #expect(try parse("noreason.dat").reasonPhrase == "")
        // §3.1.2.2, §3.1.2.3: Content-Length larger than the body; negative Content-Length.
        #expect(try parse("clerr.dat").issueKinds.contains(.contentLengthExceedsBody))
        #expect(try parse("ncl.dat").issueKinds.contains(.contentLengthSyntax))
        // §3.1.2.8 ltgtruri, §3.1.2.7 lwsruri: Request-URI in <>, and with white space.
        #expect(try parse("ltgtruri.dat").issueKinds.contains(.requestURIAngleBrackets))
        #expect(try parse("lwsruri.dat").issueKinds.contains(.requestURIWhitespace))
        // §3.1.1.1 wsinv: folded, spaced, mixed-case and compact headers.
        let wsinv = try parse("wsinv.dat")
        #expect(wsinv.topVia?.branch == "390skdjuw")
        #expect(wsinv.cseq == CSeq(9, .invite))
        #expect(wsinv.from?.tag == "98asjd8")
        #expect(wsinv.maxForwards == 68)
    }

    @Test func noMessageCrashesTheParserOrTheFramer() {
        #expect(Fixtures.rfc4475.count == 49)
        var rng = SplitMix64(seed: 4475)
        for (_, bytes) in Fixtures.rfc4475 { FuzzExercise.run(bytes, rng: &rng) }
    }
}
