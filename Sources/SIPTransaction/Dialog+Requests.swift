import SIPCore

/// Building requests inside a dialog (RFC 3261 §12.2.1.1, §13.2.2.4).
extension Dialog {
    /// Where a request goes and which Route headers it carries (§12.2.1.1).
    public struct Routing: Sendable, Hashable {
        public let requestURI: String
        public let routes: [String]
    }

    /// The Request-URI and Route headers of the next request (§12.2.1.1).
    ///
    /// With no route set: the remote target, no Route. When the first route has `lr` (loose router): the remote
    /// target, and the route set as Route headers. Otherwise (strict router): the first route's URI as Request-URI
    /// (without the `method` parameter and `?headers`, which a Request-URI may not carry), the rest of the route set
    /// as Route headers, and the remote target as the last Route.
    public var routing: Routing {
        guard let first = routeSet.first, let na = try? NameAddress.parse(ByteString(first)),
              let uri = try? na.parsedURI(), uri.parameter("lr") == nil
        else { return Routing(requestURI: remoteTarget, routes: routeSet) }
        return Routing(requestURI: Self.requestURIForm(na.uri.string), routes: routeSet.dropFirst() + ["<\(remoteTarget)>"])
    }

    /// A URI with what RFC 3261 §19.1.1 (Table 1) does not allow in a Request-URI removed: the `method`
    /// parameter and the `?headers` part.
    static func requestURIForm(_ uri: String) -> String {
        let withoutHeaders = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let parts = withoutHeaders.split(separator: ";", omittingEmptySubsequences: false)
        let kept = parts.enumerated().filter { i, p in
            i == 0 || !(p.lowercased() == "method" || p.lowercased().hasPrefix("method="))
        }
        return kept.map { String($0.element) }.joined(separator: ";")
    }

    /// Writes the next request in this dialog (§12.2.1.1) up to where the sender's own headers go, and counts it:
    /// the local CSeq number goes up by one (starting at 1 when the UAS had none). Written: the request line, Via
    /// (its value written by `via`, with a fresh branch), Max-Forwards, From, To, Call-ID, CSeq, the Route set and
    /// `contact` (required for target refreshes). The caller adds its headers and finishes the message.
    public mutating func writeRequest(_ method: SIPMethod, into w: inout MessageWriter, via: (inout MessageWriter) -> Void,
                                      contact: String? = nil, maxForwards: Int = 70) throws(TransactionError) {
        guard method != .ack, method != .cancel else {
            throw TransactionError("use makeACK(inviteSequence:via:) for ACK and InviteRequests.cancel(for:) for CANCEL")
        }
        let next = (localSequence ?? 0) + 1
        guard next < 1 << 31 else { throw TransactionError("the local CSeq number would reach 2**31") }
        write(method, sequence: next, into: &w, via: via, contact: contact, maxForwards: maxForwards)
        localSequence = next
    }

    /// Writes the ACK for a 2xx to the INVITE with CSeq number `inviteSequence` (§13.2.2.4) up to where the
    /// sender's own headers go: like any in-dialog request, with that CSeq number and method ACK. The local CSeq
    /// number does not change.
    public func writeACK(inviteSequence: UInt32, into w: inout MessageWriter, via: (inout MessageWriter) -> Void,
                         contact: String? = nil, maxForwards: Int = 70) {
        write(.ack, sequence: inviteSequence, into: &w, via: via, contact: contact, maxForwards: maxForwards)
    }

    /// The next request in this dialog, as `writeRequest` writes it, with `extraHeaders` and `body`. `via` is the
    /// full Via value with a fresh branch. The dialog is unchanged when it throws.
    public mutating func makeRequest(_ method: SIPMethod, via: String, contact: String? = nil, maxForwards: Int = 70,
                                     extraHeaders: [(String, String)] = [], body: [UInt8] = []) throws(TransactionError) -> SIPMessage {
        var next = self
        var w = MessageWriter(capacity: 512 + body.count)
        try next.writeRequest(method, into: &w, via: { $0.append(via) }, contact: contact, maxForwards: maxForwards)
        let request = try Self.finish(w, method: method, extraHeaders: extraHeaders, body: body)
        self = next
        return request
    }

    /// The ACK for a 2xx to the INVITE with CSeq number `inviteSequence`, as `writeACK` writes it, with
    /// `extraHeaders` and `body`.
    public func makeACK(inviteSequence: UInt32, via: String, contact: String? = nil, maxForwards: Int = 70,
                        extraHeaders: [(String, String)] = [], body: [UInt8] = []) throws(TransactionError) -> SIPMessage {
        var w = MessageWriter(capacity: 512 + body.count)
        writeACK(inviteSequence: inviteSequence, into: &w, via: { $0.append(via) }, contact: contact, maxForwards: maxForwards)
        return try Self.finish(w, method: .ack, extraHeaders: extraHeaders, body: body)
    }

    private static func finish(_ w: consuming MessageWriter, method: SIPMethod, extraHeaders: [(String, String)],
                               body: [UInt8]) throws(TransactionError) -> SIPMessage {
        for (name, value) in extraHeaders { w.header(name, value) }
        do {
            return try w.message(body: body)
        } catch {
            throw TransactionError("the in-dialog \(method) does not parse: \(error)")
        }
    }

    private func write(_ method: SIPMethod, sequence: UInt32, into w: inout MessageWriter, via: (inout MessageWriter) -> Void,
                       contact: String?, maxForwards: Int) {
        let r = routing
        w.requestLine(method, uri: r.requestURI)
        w.append("Via: ")
        via(&w)
        w.append("\r\nMax-Forwards: ")
        if maxForwards < 0 { w.append("-") }
        w.append(UInt64(maxForwards.magnitude))
        w.append("\r\nFrom: <")
        w.append(localURI)
        w.append(">;tag=")
        w.append(id.localTag)
        w.append("\r\nTo: <")
        w.append(remoteURI)
        if id.remoteTag.isEmpty {
            w.append(">")
        } else {
            w.append(">;tag=")
            w.append(id.remoteTag)
        }
        w.append("\r\nCall-ID: ")
        w.append(id.callID)
        w.append("\r\nCSeq: ")
        w.append(UInt64(sequence))
        w.bytes.append(ASCII.sp)
        w.append(method.rawValue)
        w.endLine()
        for route in r.routes {
            w.append("Route: ")
            w.append(route)
            w.endLine()
        }
        if let contact {
            w.append("Contact: ")
            w.append(contact)
            w.endLine()
        }
    }
}
