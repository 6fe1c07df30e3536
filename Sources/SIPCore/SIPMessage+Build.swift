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
        var h: [(String, String)] = []
        for f in request.headers where f.name == .via { h.append(("Via", request.value(of: f).string)) }
        if let v = request.firstValue(.from) { h.append(("From", v.string)) }
        if var to = request.firstValue(.to)?.string {
            if let tag = toTag, statusCode != 100, request.to?.tag == nil { to += ";tag=\(tag)" }
            h.append(("To", to))
        }
        if let v = request.callID { h.append(("Call-ID", v.string)) }
        if let v = request.firstValue(.cseq) { h.append(("CSeq", v.string)) }
        if (200..<300).contains(statusCode), request.method == .invite || request.method == .subscribe {
            for f in request.headers where f.name == .recordRoute { h.append(("Record-Route", request.value(of: f).string)) }
        }
        h.append(contentsOf: extraHeaders)
        return try response(statusCode, reason: reason, headers: h, body: body)
    }

    static func build(startLine: String, headers: [(String, String)], body: [UInt8]) throws(SIPParseError) -> SIPMessage {
        var out = Array(startLine.utf8)
        out.append(contentsOf: [ASCII.cr, ASCII.lf])
        var hasLength = false
        for (name, value) in headers {
            if HeaderName.classify(name) == .contentLength { hasLength = true }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: [ASCII.cr, ASCII.lf])
        }
        if !hasLength { out.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8) }
        out.append(contentsOf: [ASCII.cr, ASCII.lf])
        out.append(contentsOf: body)
        return try SIPMessage(parsing: out)
    }
}
