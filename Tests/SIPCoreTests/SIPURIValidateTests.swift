import Testing
@testable import SIPCore

/// `SIPURI.validate` and `SIPURI.isPlainSIP` against `SIPURI.parse`: validate throws exactly when parse throws, with
/// the same sentence, and a URI isPlainSIP accepts always parses, with no headers. Checked over seed URIs and every
/// one-byte edit of them with the bytes that matter to the grammar.
@Suite struct SIPURIValidateTests {
    static let seeds = [
        "sip:bob@biloxi.example.com", "sip:alice@pc33.atlanta.example.com:5060", "sips:bob@192.0.2.4:5061",
        "sip:example.com", "SIP:Bob@Example.COM;transport=tcp;lr", "sip:+15551234567@gw.example.com;user=phone",
        "sip:alice:pw@atlanta.com;maddr=239.255.255.1;ttl=15", "sip:a@b.c?subject=x&priority=urgent",
        "sip:%61lice@atlanta.com", "sip:a@[2001:db8::1]:5060", "sip:host.example.com.;x=", "tel:+1-201-555-0123",
        "mailto:a@b", "sip:a-b.c_d!~*'()&=+$,@h", "sip:a@h-1.example-2.com:65535;a=[b]/c:d&e+f$g",
    ]
    /// Bytes that end, start or break a URI part.
    static let bytes: [UInt8] = Array("@:;=?&%[]-. \"<>/,+$1aZ".utf8) + [0x00, 0x7F, 0xC3]

    static var corpus: [String] {
        var out = Set(seeds)
        for seed in seeds {
            let b = Array(seed.utf8)
            for i in 0...b.count {
                for c in bytes {
                    var inserted = b
                    inserted.insert(c, at: i)
                    out.insert(String(decoding: inserted, as: UTF8.self))
                    if i < b.count {
                        var replaced = b
                        replaced[i] = c
                        out.insert(String(decoding: replaced, as: UTF8.self))
                        var removed = b
                        removed.remove(at: i)
                        out.insert(String(decoding: removed, as: UTF8.self))
                    }
                }
            }
        }
        return out.sorted()
    }

    @Test func validateAndThePlainShapeAgreeWithParse() {
        var plain = 0
        for text in Self.corpus {
            let value = ByteString(text)
            let parsed: Result<SIPURI, SIPSyntaxError> = Result { () throws(SIPSyntaxError) in try SIPURI.parse(value) }
            let validated: Result<Void, SIPSyntaxError> = Result { () throws(SIPSyntaxError) in try SIPURI.validate(value) }
            switch (parsed, validated) {
            case (.success, .success): break
            case (.failure(let a), .failure(let b)): #expect(a.message == b.message, "\(text)")
            default: Issue.record("parse and validate disagree on '\(text)'")
            }
            if SIPURI.isPlainSIP(value) {
                plain += 1
                let uri = try? parsed.get()
                #expect(uri != nil && uri!.headers.isEmpty && uri!.isSIP, "'\(text)' is plain but parses to \(String(describing: uri))")
            }
        }
        #expect(plain > 100)
    }
}
