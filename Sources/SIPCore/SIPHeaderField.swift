/// One header field line of a parsed message, as offsets into the message's bytes.
///
/// Plain data, so a parsed message's header list is a single allocation with no reference counting per field.
public struct SIPHeaderField: Sendable, Equatable {
    /// The recognised name, or `.other`.
    public let name: HeaderName
    /// True when the value spans folded lines (RFC 3261 §7.3.1): read it through `SIPMessage.value(of:)`.
    public let isFolded: Bool
    @usableFromInline let nameStart: Int32, nameEnd: Int32
    @usableFromInline let valueStart: Int32, valueEnd: Int32
    /// Line number (1-based) of the header's first line in the message.
    public let line: Int32

    @inlinable
    init(name: HeaderName, isFolded: Bool, nameRange: Range<Int>, valueRange: Range<Int>, line: Int) {
        self.name = name
        self.isFolded = isFolded
        self.nameStart = Int32(nameRange.lowerBound)
        self.nameEnd = Int32(nameRange.upperBound)
        self.valueStart = Int32(valueRange.lowerBound)
        self.valueEnd = Int32(valueRange.upperBound)
        self.line = Int32(line)
    }

    @inlinable public var nameRange: Range<Int> { Int(nameStart)..<Int(nameEnd) }
    @inlinable public var valueRange: Range<Int> { Int(valueStart)..<Int(valueEnd) }
}
