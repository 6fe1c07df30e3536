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

    /// A response to `request` as a UAS builds it (RFC 3261 §8.2.6): Via, From, Call-ID and CSeq copied; To copied
    /// with `toTag` added unless it already has one (no tag on 100); Record-Route copied for 2xx to a
    /// dialog-creating request (§12.1.1); then `extraHeaders`.
    public static func response(to request: SIPMessage, statusCode: Int, reason: String, toTag: String?,
                                extraHeaders: [(String, String)] = [], body: [UInt8] = []) throws(SIPParseError) -> SIPMessage {
        // The copied values go over as bytes: no String per header.
        var w = MessageWriter(startLine: "SIP/2.0 \(statusCode) \(reason)", capacity: request.rawBytes.count + body.count)
        for f in request.headers where f.name == .via { w.header("Via", request.value(of: f)) }
        if let v = request.firstValue(.from) { w.header("From", v) }
        if let to = request.firstValue(.to) {
            if let tag = toTag, statusCode != 100, request.to?.tag == nil {
                w.header("To", to, suffix: ";tag=" + tag)
            } else {
                w.header("To", to)
            }
        }
        if let v = request.callID { w.header("Call-ID", v) }
        if let v = request.firstValue(.cseq) { w.header("CSeq", v) }
        if (200..<300).contains(statusCode), request.method == .invite || request.method == .subscribe {
            for f in request.headers where f.name == .recordRoute { w.header("Record-Route", request.value(of: f)) }
        }
        for (name, value) in extraHeaders { w.header(name, value) }
        return try w.finish(body: body)
    }

    static func build(startLine: String, headers: [(String, String)], body: [UInt8]) throws(SIPParseError) -> SIPMessage {
        var w = MessageWriter(startLine: startLine, capacity: 512 + body.count)
        for (name, value) in headers { w.header(name, value) }
        return try w.finish(body: body)
    }
}

/// Writes a message's bytes: start line, headers, Content-Length (unless a header gave one), body.
struct MessageWriter {
    var out: [UInt8] = []
    var hasLength = false

    init(startLine: String, capacity: Int) {
        out.reserveCapacity(capacity)
        out.append(contentsOf: startLine.utf8)
        out.append(ASCII.cr)
        out.append(ASCII.lf)
    }

    mutating func name(_ name: String) {
        if !hasLength, HeaderName.classify(name) == .contentLength { hasLength = true }
        out.append(contentsOf: name.utf8)
        out.append(ASCII.colon)
        out.append(ASCII.sp)
    }

    mutating func endLine() {
        out.append(ASCII.cr)
        out.append(ASCII.lf)
    }

    mutating func header(_ name: String, _ value: String) {
        self.name(name)
        out.append(contentsOf: value.utf8)
        endLine()
    }

    mutating func header(_ name: String, _ value: ByteString, suffix: String = "") {
        self.name(name)
        out.append(contentsOf: value.bytes)
        out.append(contentsOf: suffix.utf8)
        endLine()
    }

    consuming func finish(body: [UInt8]) throws(SIPParseError) -> SIPMessage {
        if !hasLength { header("Content-Length", String(body.count)) }
        endLine()
        out.append(contentsOf: body)
        return try SIPMessage(parsing: out)
    }
}
