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
        return try w.message(body: body)
    }

    static func build(startLine: String, headers: [(String, String)], body: [UInt8]) throws(SIPParseError) -> SIPMessage {
        var w = MessageWriter(startLine: startLine, capacity: 512 + body.count)
        for (name, value) in headers { w.header(name, value) }
        return try w.message(body: body)
    }
}
