import Testing
@testable import SIPCore

/// `ByteString` compares with one `memcmp` and hashes its bytes in one call: both must agree with the plain slice
/// comparison, whatever the slices' offsets into their storage.
@Suite struct ByteStringTests {
    static let texts = ["", "2", "25", "255.255.255.255", "SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1", "255.255.255.25",
                        "x255.255.255.255", "255.255.255.2555", "a", "aa", "A"]

    /// Each text alone, and as a slice in the middle of a longer buffer.
    static var values: [ByteString] {
        texts.flatMap { t -> [ByteString] in
            let padded = Array(("<<" + t + ">>").utf8)
            return [ByteString(t), ByteString(padded[2..<(padded.count - 2)])]
        }
    }

    @Test func equalityAndHashAgreeWithTheSlices() {
        for a in Self.values {
            for b in Self.values {
                #expect((a == b) == a.bytes.elementsEqual(b.bytes), "'\(a)' == '\(b)'")
                if a == b { #expect(a.hashValue == b.hashValue, "'\(a)' and '\(b)' hash alike") }
            }
        }
    }

    @Test func ownedCopiesTheBytesOut() {
        let message = Array("Call-ID: abc@host\r\n".utf8)
        let slice = ByteString(message[9..<17])
        let owned = slice.owned
        #expect(owned == slice)
        #expect(owned.bytes.startIndex == 0 && owned.count == 8)
    }
}
