/// Building messages from parts. The result is serialized and parsed, so a built message is indexed exactly like
/// a received one.
extension SIPMessage {
    /// A request with the given headers (in order) and body. Content-Length is added when missing.
    public static func request(_ method: SIPMethod, uri: String, headers: [(String, String)],
                               body: [UInt8] = []) throws(SIPParseError) -> SIPMessage {
        try build(startLine: "\(method) \(uri) SIP/2.0", headers: headers, body: body)
    }

    /// A response with the given headers (in order) and body. Content-Length is added when missing.
    public static func response(_ statusCode: Int, reason: String, headers: [(String, String)],
                                body: [UInt8] = []) throws(SIPParseError) -> SIPMessage {
        try build(startLine: "SIP/2.0 \(statusCode) \(reason)", headers: headers, body: body)
    }

    /// A response to `request` as a UAS builds it (RFC 3261 §8.2.6): the headers `MessageWriter.copyHeaders` copies,
    /// with `toTag` added to To unless it already has one (no tag on 100); then `extraHeaders`.
    public static func response(to request: SIPMessage, statusCode: Int, reason: String, toTag: String?,
                                extraHeaders: [(String, String)] = [], body: [UInt8] = []) throws(SIPParseError) -> SIPMessage {
        var w = MessageWriter(startLine: "SIP/2.0 \(statusCode) \(reason)", capacity: request.rawBytes.count + body.count)
        w.copyHeaders(of: request, statusCode: statusCode, toTag: statusCode == 100 || request.hasToTag ? nil : toTag)
        for (name, value) in extraHeaders { w.header(name, value) }
        return try w.message(body: body)
    }

    static func build(startLine: String, headers: [(String, String)], body: [UInt8]) throws(SIPParseError) -> SIPMessage {
        var w = MessageWriter(startLine: startLine, capacity: 512 + body.count)
        for (name, value) in headers { w.header(name, value) }
        return try w.message(body: body)
    }
}

extension MessageWriter {
    /// The header lines a response copies from its request (RFC 3261 §8.2.6.2): every Via, From, To (with
    /// `;tag=toTag` when a tag is given: whether one goes is the caller's call), Call-ID and CSeq; and Record-Route
    /// for a 2xx to INVITE or SUBSCRIBE (§12.1.1). The values go over as bytes: no `String` per header.
    public mutating func copyHeaders(of request: SIPMessage, statusCode: Int, toTag: String?) {
        for f in request.headers where f.name == .via { copied("Via: ", request.value(of: f)) }
        if let v = request.firstValue(.from) { copied("From: ", v) }
        if let to = request.firstValue(.to) {
            append("To: ")
            append(to)
            if let toTag {
                append(";tag=")
                append(toTag)
            }
            endLine()
        }
        if let v = request.callID { copied("Call-ID: ", v) }
        if let v = request.firstValue(.cseq) { copied("CSeq: ", v) }
        if (200..<300).contains(statusCode), request.method == .invite || request.method == .subscribe {
            for f in request.headers where f.name == .recordRoute { copied("Record-Route: ", request.value(of: f)) }
        }
    }

    /// A copied header line: `name` with its colon and space, the value, CRLF.
    private mutating func copied(_ name: String, _ value: ByteString) {
        append(name)
        append(value)
        endLine()
    }
}
