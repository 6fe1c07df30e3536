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

    /// The next request in this dialog (§12.2.1.1): the local CSeq number goes up by one (starting at 1 when the
    /// UAS had none). `via` is the full Via value with a fresh branch; `contact` is required for target refreshes.
    public mutating func makeRequest(_ method: SIPMethod, via: String, contact: String? = nil, maxForwards: Int = 70,
                                     extraHeaders: [(String, String)] = [], body: [UInt8] = []) throws(TransactionError) -> SIPMessage {
        guard method != .ack, method != .cancel else {
            throw TransactionError("use makeACK(inviteSequence:via:) for ACK and InviteRequests.cancel(for:) for CANCEL")
        }
        let next = (localSequence ?? 0) + 1
        guard next < 1 << 31 else { throw TransactionError("the local CSeq number would reach 2**31") }
        let request = try build(method, sequence: next, via: via, contact: contact, maxForwards: maxForwards,
                                extraHeaders: extraHeaders, body: body)
        localSequence = next
        return request
    }

    /// The ACK for a 2xx to the INVITE with CSeq number `inviteSequence` (§13.2.2.4): built like any in-dialog
    /// request, with that CSeq number and method ACK. The local CSeq number does not change.
    public func makeACK(inviteSequence: UInt32, via: String, contact: String? = nil, maxForwards: Int = 70,
                        extraHeaders: [(String, String)] = [], body: [UInt8] = []) throws(TransactionError) -> SIPMessage {
        try build(.ack, sequence: inviteSequence, via: via, contact: contact, maxForwards: maxForwards,
                  extraHeaders: extraHeaders, body: body)
    }

    private func build(_ method: SIPMethod, sequence: UInt32, via: String, contact: String?, maxForwards: Int,
                       extraHeaders: [(String, String)], body: [UInt8]) throws(TransactionError) -> SIPMessage {
        let r = routing
        var h: [(String, String)] = [
            ("Via", via), ("Max-Forwards", String(maxForwards)),
            ("From", "<\(localURI)>;tag=\(id.localTag)"),
            ("To", id.remoteTag.isEmpty ? "<\(remoteURI)>" : "<\(remoteURI)>;tag=\(id.remoteTag)"),
            ("Call-ID", id.callID.string), ("CSeq", "\(sequence) \(method)"),
        ]
        for route in r.routes { h.append(("Route", route)) }
        if let contact { h.append(("Contact", contact)) }
        h.append(contentsOf: extraHeaders)
        do {
            return try SIPMessage.request(method, uri: r.requestURI, headers: h, body: body)
        } catch {
            throw TransactionError("the in-dialog \(method) does not parse: \(error)")
        }
    }
}
