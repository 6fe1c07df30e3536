/// Cuts a byte stream (TCP, TLS) into SIP messages by the empty line and Content-Length (RFC 3261 §18.3), and
/// recognises RFC 5626 §3.5.1 keep-alives (a CRLFCRLF ping, a CRLF pong) between messages.
///
/// Feed it whatever arrives with `append`, then call `parseStep()` until it answers `.insufficientData`.
public struct SIPStreamFramer: Sendable {
    public enum Step: Sendable, Equatable {
        /// No complete message or keep-alive yet: append more bytes.
        case insufficientData
        /// A CRLFCRLF ping; answer with a CRLF pong.
        case keepAlivePing
        /// A lone CRLF: a pong, or a stray line end.
        case keepAlivePong
        /// The bytes of one complete message.
        case message([UInt8])
    }

    public enum FramingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The header section is larger than the limit without ending.
        case headerSectionTooLarge(Int)
        /// A message on a stream must carry Content-Length (RFC 3261 §18.3, §20.14).
        case missingContentLength
        case invalidContentLength(String)
        case messageTooLarge(Int)

        public var description: String {
            switch self {
            case .headerSectionTooLarge(let n): return "the header section exceeds \(n) octets without ending"
            case .missingContentLength: return "a message on a stream transport has no Content-Length"
            case .invalidContentLength(let v): return "Content-Length '\(v)' is not a non-negative number"
            case .messageTooLarge(let n): return "the message exceeds the limit of \(n) octets"
            }
        }
    }

    private var buffer: [UInt8] = []
    private var start = 0
    /// Where to resume looking for the end of the header section.
    private var scanFrom = 0
    public let maxMessageSize: Int

    public init(maxMessageSize: Int = SIPParserLimits.default.maxMessageSize) {
        self.maxMessageSize = maxMessageSize
    }

    /// Bytes received but not yet handed out.
    public var bufferedCount: Int { buffer.count - start }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            scanFrom = 0
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func parseStep() throws(FramingError) -> Step {
        // Keep-alives between messages (RFC 5626 §3.5.1).
        if start < buffer.count, buffer[start] == ASCII.cr {
            if buffer.count - start >= 4, buffer[start + 1] == ASCII.lf, buffer[start + 2] == ASCII.cr,
               buffer[start + 3] == ASCII.lf {
                consume(4)
                return .keepAlivePing
            }
            if buffer.count - start >= 2, buffer[start + 1] == ASCII.lf {
                if buffer.count - start == 2 || buffer[start + 2] != ASCII.cr {
                    consume(2)
                    return .keepAlivePong
                }
            }
            if buffer.count - start < 4 { return .insufficientData }
        }
        guard let headerEnd = findHeaderEnd() else {
            if bufferedCount > maxMessageSize { throw .headerSectionTooLarge(maxMessageSize) }
            return .insufficientData
        }
        let length = try contentLength(start..<headerEnd)
        // Compared by subtraction: with a limit near Int.max, header + body length could overflow.
        guard length <= maxMessageSize - (headerEnd - start) else { throw .messageTooLarge(maxMessageSize) }
        let total = headerEnd - start + length
        guard buffer.count - start >= total else { return .insufficientData }
        let message = Array(buffer[start..<(start + total)])
        consume(total)
        return .message(message)
    }

    private mutating func consume(_ n: Int) {
        start += n
        scanFrom = start
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanFrom = 0
        } else if start > 65_536 {
            buffer.removeFirst(start)
            start = 0
            scanFrom = 0
        }
    }

    /// The index just past the CRLFCRLF that ends the header section, if it has arrived.
    private mutating func findHeaderEnd() -> Int? {
        var i = max(scanFrom, start)
        while i + 3 < buffer.count {
            if buffer[i + 3] == ASCII.lf, buffer[i] == ASCII.cr, buffer[i + 1] == ASCII.lf, buffer[i + 2] == ASCII.cr {
                return i + 4
            }
            i += 1
        }
        scanFrom = max(start, buffer.count - 3)
        return nil
    }

    private func contentLength(_ header: Range<Int>) throws(FramingError) -> Int {
        var lineStart = header.lowerBound
        var i = header.lowerBound
        while i < header.upperBound {
            if buffer[i] == ASCII.lf {
                let line = buffer[lineStart..<i]
                lineStart = i + 1
                if let v = Self.contentLengthValue(line) {
                    let t = ByteString(v).trimmed
                    guard let n = t.decimalValue else { throw .invalidContentLength(t.string) }
                    guard n <= UInt64(maxMessageSize) else { throw .messageTooLarge(maxMessageSize) }
                    return Int(n)
                }
            }
            i += 1
        }
        throw .missingContentLength
    }

    /// The value part of a `Content-Length:` or `l:` line. A line starting with white space continues the header
    /// above it (RFC 3261 §7.3.1), so it is never a Content-Length line.
    private static func contentLengthValue(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard let first = line.first, !ASCII.isWSP(first), let colon = line.firstIndex(of: ASCII.colon) else { return nil }
        let name = ByteString(line[line.startIndex..<colon]).trimmed
        guard name.equalsIgnoringCase("content-length") || name.equalsIgnoringCase("l") else { return nil }
        return line[(colon + 1)...]
    }
}
