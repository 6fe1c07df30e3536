import SIPCore
@testable import SIPConformance
import Testing

/// The byte helper behind the exchange fast paths, against the slice operation it stands for (equality is
/// `ByteString ==`, tested in SIPCoreTests).
@Suite struct CopiedBytesTests {
    static let values: [ByteString] = [
        "", "2", "25", "255.255.255.255", "SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1", "255.255.255.25",
        "x255.255.255.255", "255.255.255.2555", "2255.255.255.255", "received=255.255.255.255", "a", "aa",
    ]

    @Test func prefixAgreesWithTheSliceOperation() {
        for a in Self.values {
            for b in Self.values {
                #expect(CopiedBytes.hasPrefix(a.bytes, b.bytes) == a.bytes.starts(with: b.bytes), "'\(a)' starts with '\(b)'")
            }
        }
    }
}
