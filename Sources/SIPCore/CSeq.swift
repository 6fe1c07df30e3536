/// The CSeq header (RFC 3261 §20.16): a sequence number below 2**31 and a method.
public struct CSeq: Sendable, Hashable, CustomStringConvertible {
    public let sequenceNumber: UInt32
    public let method: SIPMethod

    public init(_ sequenceNumber: UInt32, _ method: SIPMethod) {
        self.sequenceNumber = sequenceNumber
        self.method = method
    }

    public var description: String { "\(sequenceNumber) \(method)" }

    /// Parses `1*DIGIT LWS Method`; the number must be less than 2**31 (RFC 3261 §8.1.1.5).
    public static func parse(_ value: ByteString) throws(SIPSyntaxError) -> CSeq {
        var s = ByteScanner(value)
        s.skipLWS()
        let digits = s.skip(while: ASCII.isDigit)  // a range: a slice would retain the message storage
        guard !digits.isEmpty else { throw SIPSyntaxError("the CSeq '\(value)' does not start with a number") }
        guard let n = ByteScanner.decimalValue(value.bytes, digits), n < 1 << 31 else {
            throw SIPSyntaxError("the CSeq number \(s.text(digits)) is not less than 2**31")
        }
        let before = s.i
        s.skipLWS()
        guard s.i > before else { throw SIPSyntaxError("the CSeq '\(value)' has no white space after its number") }
        let method = s.skip(while: ASCII.isToken)
        guard !method.isEmpty else { throw SIPSyntaxError("the CSeq '\(value)' has no method") }
        s.skipLWS()
        guard s.atEnd else { throw SIPSyntaxError("unexpected text after the CSeq method in '\(value)'") }
        return CSeq(UInt32(n), SIPMethod(bytes: value.bytes[method]))
    }
}
