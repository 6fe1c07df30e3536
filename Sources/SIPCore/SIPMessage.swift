/// A SIP request or response (RFC 3261 §7), kept as the bytes it was read from plus an index of its parts.
///
/// Parsing records where the start line, each header and the body lie; typed values (`topVia`, `from`, `cseq`, …)
/// are read on demand and share the message's storage. `rawBytes` gives back the exact octets that were parsed.
public struct SIPMessage: Sendable {
    /// The bytes the message was parsed from (for a datagram, the whole datagram).
    public let storage: [UInt8]
    /// Where this message lies in `storage`: from its start line to the end of its body.
    public let messageRange: Range<Int>
    public let headers: [SIPHeaderField]
    public let bodyRange: Range<Int>
    /// Defects the parser tolerated, in the order met.
    public let issues: [SIPParseIssue]

    @usableFromInline let kind: Kind
    @usableFromInline let part1: Range<Int>  // request: Request-URI;   response: SIP-Version
    @usableFromInline let part2: Range<Int>  // request: SIP-Version;   response: Reason-Phrase

    @usableFromInline
    enum Kind: Sendable, Equatable {
        case request(SIPMethod)
        case response(Int)
    }

    init(storage: [UInt8], messageRange: Range<Int>, kind: Kind, part1: Range<Int>, part2: Range<Int>,
         headers: [SIPHeaderField], bodyRange: Range<Int>, issues: [SIPParseIssue]) {
        self.storage = storage
        self.messageRange = messageRange
        self.kind = kind
        self.part1 = part1
        self.part2 = part2
        self.headers = headers
        self.bodyRange = bodyRange
        self.issues = issues
    }

    /// Parses one message from a datagram (or a buffer holding one message) with the default limits.
    public init(parsing bytes: [UInt8], limits: SIPParserLimits = .default) throws(SIPParseError) {
        self = try SIPParser(limits: limits).parse(bytes)
    }

    /// Parses one message from text.
    public init(parsing text: String, limits: SIPParserLimits = .default) throws(SIPParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }

    // MARK: Start line

    @inlinable public var isRequest: Bool { if case .request = kind { return true } else { return false } }
    @inlinable public var isResponse: Bool { !isRequest }

    /// The request method, or nil for a response.
    @inlinable public var method: SIPMethod? { if case .request(let m) = kind { return m } else { return nil } }

    /// The status code, or nil for a request.
    @inlinable public var statusCode: Int? { if case .response(let c) = kind { return c } else { return nil } }

    /// The Request-URI as written, or nil for a response.
    public var requestURI: ByteString? { isRequest ? ByteString(storage[part1]) : nil }

    /// The SIP-Version of the start line, e.g. `SIP/2.0`.
    public var version: ByteString { ByteString(storage[isRequest ? part2 : part1]) }

    /// The Reason-Phrase, or nil for a request.
    public var reasonPhrase: ByteString? { isRequest ? nil : ByteString(storage[part2]) }

    public var startLine: StartLine {
        switch kind {
        case .request(let m): return .request(method: m, uri: ByteString(storage[part1]), version: version)
        case .response(let c): return .response(version: version, statusCode: c, reasonPhrase: ByteString(storage[part2]))
        }
    }

    // MARK: Bytes

    /// The exact octets of this message as received, without any trailing octets of the datagram.
    public var rawBytes: ArraySlice<UInt8> { storage[messageRange] }

    /// The message body.
    public var body: ArraySlice<UInt8> { storage[bodyRange] }

    /// Octets that followed the body in the datagram (RFC 3261 §18.3), if any.
    public var trailingOctets: ArraySlice<UInt8> { storage[messageRange.upperBound...] }

    /// The 1-based line number of a byte offset in `storage`; offsets before the message count as line 1.
    public func lineNumber(at offset: Int) -> Int {
        var line = 1
        let end = max(messageRange.lowerBound, min(offset, storage.count))
        for b in storage[messageRange.lowerBound..<end] where b == ASCII.lf { line += 1 }
        return line
    }
}
