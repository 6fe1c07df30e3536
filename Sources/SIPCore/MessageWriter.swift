/// Writes a SIP message's bytes: start line, header lines, Content-Length (unless a header gave one), body
/// (RFC 3261 §7).
///
/// Everything sipflow sends is written with one. A sender of many messages of one shape keeps the parts that never
/// change as prepared bytes and appends them between the values of each message, with no `String` per header.
public struct MessageWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8] = []
    /// True once a Content-Length header was written, so `finish` adds none. `header(_:_:)` sees to it; a caller
    /// that appends prepared header lines sets it.
    public var hasContentLength = false

    public init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// A writer that has written `startLine` and its CRLF.
    public init(startLine: String, capacity: Int) {
        self.init(capacity: capacity)
        append(startLine)
        endLine()
    }

    /// `METHOD Request-URI SIP/2.0` and CRLF (RFC 3261 §7.1).
    public mutating func requestLine(_ method: SIPMethod, uri: String) {
        append(method.rawValue)
        bytes.append(ASCII.sp)
        append(uri)
        append(" SIP/2.0\r\n")
    }

    /// A header line, `name: value` and CRLF.
    public mutating func header(_ name: String, _ value: String) {
        self.name(name)
        append(value)
        endLine()
    }

    /// A header line whose value is bytes (with `suffix` after them).
    public mutating func header(_ name: String, _ value: ByteString, suffix: String = "") {
        self.name(name)
        append(value)
        append(suffix)
        endLine()
    }

    /// `name: `, noting a Content-Length.
    mutating func name(_ name: String) {
        if !hasContentLength, HeaderName.classify(name) == .contentLength { hasContentLength = true }
        append(name)
        bytes.append(ASCII.colon)
        bytes.append(ASCII.sp)
    }

    public mutating func append(_ text: String) {
        // One copy of contiguous UTF-8, not a walk over `utf8`; read where it lies (a native string's storage),
        // without the copy of the string that `withUTF8` needs, which would count a reference.
        if text.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) != nil { return }
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func append(_ part: [UInt8]) { part.withUnsafeBufferPointer { bytes.append(contentsOf: $0) } }

    public mutating func append(_ value: ByteString) {
        value.bytes.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
    }

    /// `value` in digits of `radix` (lower-case letters above 9), as `String(value, radix:)` spells it.
    public mutating func append(_ value: UInt64, radix: UInt64 = 10) {
        let start = bytes.count
        var rest = value
        repeat {
            let digit = UInt8(truncatingIfNeeded: rest % radix)
            bytes.append(digit < 10 ? 0x30 + digit : 0x61 + digit - 10)
            rest /= radix
        } while rest > 0
        var i = start, j = bytes.count - 1
        while i < j {
            bytes.swapAt(i, j)
            i += 1
            j -= 1
        }
    }

    public mutating func endLine() {
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
    }

    /// The message's bytes: Content-Length unless a header gave one, the empty line, `body`.
    ///
    /// `mutating`, not `consuming`: a consumed writer was copied at some call sites, and the appends here then copied
    /// its bytes (one allocation and copy per message).
    public mutating func finish(body: [UInt8]) -> [UInt8] {
        if !hasContentLength {
            append("Content-Length: ")
            append(UInt64(body.count))
            endLine()
        }
        endLine()
        bytes.append(contentsOf: body)
        return bytes
    }

    /// The finished message, parsed, so it is indexed exactly like a received one.
    public mutating func message(body: [UInt8]) throws(SIPParseError) -> SIPMessage {
        try SIPMessage(parsing: finish(body: body))
    }
}
