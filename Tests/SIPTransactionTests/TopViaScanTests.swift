import SIPCore
import Testing
@testable import SIPTransaction

/// The allocation-free top-Via scan used for matching agrees with `Via.parse` wherever it answers, and leaves
/// the rest to it.
@Suite struct TopViaScanTests {
    static let corpus: [String] = [
        "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds",
        "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1",
        "SIP/2.0/TCP client.example.com:5060;rport;branch=z9hG4bK74bf9",
        "SIP/2.0/UDP 192.0.2.1:5060;received=192.0.2.207;BRANCH=z9hG4bKcase",
        "SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKv6;received=[2001:db8::9:255]",
        "SIP/2.0/UDP h;branch",
        "SIP/2.0/UDP h;branch=first;branch=second",
        "SIP/2.0/UDP h;maddr=239.255.255.1;ttl=15",
        "SIP / 2.0 / UDP spaced.example.com ; branch = z9hG4bKsp",
        "SIP/2.0/UDP h;branch=\"quoted\"",
        "SIP/2.0/UDP host.example.com.;branch=z9hG4bKdot",
        "SIP/2.0/UDP -bad.example.com;branch=z9hG4bK1",
        "SIP/2.0/UDP bad-.example.com;branch=z9hG4bK1",
        "SIP/2.0/UDP a..b;branch=z9hG4bK1",
        "SIP/2.0/UDP h:99999;branch=z9hG4bK1",
        "SIP/2.0/UDP h:;branch=z9hG4bK1",
        "SIP/2.0/UDP h;=x",
        "SIP/2.0/UDP h;branch=",
        "SIP/2.0/UDP h junk",
        "SIP/2.0 h;branch=z9hG4bK1",
        "SIP/2.0/UDPh",
        "SIP/2.0/UDP h:0005060;branch=z9hG4bK1",
        "SIP/2.0/SCTP x.y.z:1;branch=z9hG4bK-a.b!c%d*e_f+g`h'i~j",
    ]

    @Test(arguments: corpus) func agreesWithTheFullParser(_ via: String) throws {
        let full = try? Via.parse(ByteString(via))
        let expected = full.map { TopViaScan(host: $0.host, port: $0.port, branch: $0.branch) }
        if let fast = TopViaScan.scan(ByteString(via).bytes) {
            #expect(fast == expected, "fast path disagrees on \(via)")
        }
        let m = try message("OPTIONS sip:x@example.com SIP/2.0", "Via: \(via)", "Via: SIP/2.0/UDP second;branch=z9hG4bK2",
                            "CSeq: 1 OPTIONS", "Call-ID: c")
        #expect(TopViaScan.of(m) == expected, "with fallback on \(via)")
    }

    /// A message's first Via read where it lies, up to a comma, agrees with the full parser on the first element of
    /// the list, whatever follows the comma.
    @Test(arguments: corpus + ["SIP/2.0/UDP [2001:db8::1,x]:5060;branch=z9hG4bK1", "SIP/2.0/UDP h:5060",
                               "SIP/2.0/UDP h:5060;branch=z9hG4bK1;rport"])
    func aListIsReadUpToItsFirstComma(_ via: String) throws {
        for rest in [",SIP/2.0/UDP g;branch=z9hG4bK2", " , SIP/2.0/UDP g", ",", ",,x", ", \"q,\""] {
            let value = ByteString(via + rest)
            let full = try? Via.parse(HeaderList.first(value))
            let m = try message("OPTIONS sip:x@example.com SIP/2.0", "Via: \(via + rest)", "CSeq: 1 OPTIONS", "Call-ID: c")
            #expect(TopViaScan.of(m) == full.map { TopViaScan(host: $0.host, port: $0.port, branch: $0.branch) },
                    "\(via + rest)")
        }
    }

    @Test func plainShapesTakeTheFastPath() {
        #expect(TopViaScan.scan(ByteString(TopViaScanTests.corpus[0]).bytes)
                == TopViaScan(host: "pc33.atlanta.example.com", port: 5060, branch: "z9hG4bK776asdhds"))
        #expect(TopViaScan.scan(ByteString(TopViaScanTests.corpus[4]).bytes)?.host == "[2001:db8::9:1]")
        #expect(TopViaScan.scan(ByteString(TopViaScanTests.corpus[8]).bytes) == nil, "spaced form goes to Via.parse")
    }

    @Test func commaSeparatedViasUseTheFirst() throws {
        let m = try message("OPTIONS sip:x@example.com SIP/2.0",
                            "Via: SIP/2.0/UDP one.example.com;branch=z9hG4bK1, SIP/2.0/UDP two.example.com;branch=z9hG4bK2",
                            "CSeq: 1 OPTIONS", "Call-ID: c")
        #expect(TopViaScan.of(m)?.host == "one.example.com")
        #expect(TransactionKey.client(m) == .client(branch: "z9hG4bK1", method: .options))
    }
}
