import SIPCore
@testable import SIPConformance
import Testing

/// The byte helpers behind the exchange fast paths, against the slice operations they stand for.
@Suite struct CopiedBytesTests {
    static let values: [ByteString] = [
        "", "2", "25", "255.255.255.255", "SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1", "255.255.255.25",
        "x255.255.255.255", "255.255.255.2555", "2255.255.255.255", "received=255.255.255.255", "a", "aa",
    ]

    @Test func equalAndPrefixAgreeWithTheSliceOperations() {
        for a in Self.values {
            for b in Self.values {
                #expect(CopiedBytes.equal(a, b) == (a == b), "'\(a)' == '\(b)'")
                #expect(CopiedBytes.hasPrefix(a.bytes, b.bytes) == a.bytes.starts(with: b.bytes), "'\(a)' starts with '\(b)'")
            }
        }
    }
}
