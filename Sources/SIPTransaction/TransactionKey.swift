import SIPCore

/// What a message is matched to its transaction by (RFC 3261 §17.1.3, §17.2.3).
///
/// - `client`: the top Via branch and the CSeq method. A client transaction's key is computed from the request
///   it sends; a response carries the same Via and CSeq, so `client(response)` finds it (§17.1.3).
/// - `server`: the top Via branch, the top Via sent-by and the request method, with ACK counted as INVITE so the
///   ACK for a non-2xx final reaches the INVITE server transaction; CANCEL keeps its own method, so it gets its own
///   transaction (§17.2.3, §9.2). Only for branches starting with the magic cookie `z9hG4bK`.
/// - `rfc2543`: the fallback of §17.2.3 for requests whose branch lacks the cookie (RFC 2543 peers): Call-ID,
///   From tag, CSeq number, Request-URI, top Via (sent-by and branch, if any) and method (ACK as INVITE). The To
///   tag is left out — the INVITE has none, its ACK carries the one we sent — so an ACK for a non-2xx final matches
///   its INVITE. (§17.2.3 also compares the ACK's To tag with the response's; two RFC 2543 INVITEs differing only
///   in To tag are not distinguished here.)
///
/// Keys share the message's storage (no copy); keeping one in a dictionary keeps that message's bytes alive, unless
/// it is `owned`.
public enum TransactionKey: Sendable, Hashable {
    case client(branch: ByteString, method: SIPMethod)
    case server(branch: ByteString, sentBy: SentBy, method: SIPMethod)
    indirect case rfc2543(callID: ByteString, fromTag: ByteString?, sequenceNumber: UInt32, requestURI: ByteString,
                 sentBy: SentBy, branch: ByteString?, method: SIPMethod)

    /// The `sent-by` of a Via: host (compared without case) and port as written.
    public struct SentBy: Sendable, Hashable {
        public let host: ByteString
        public let port: Int?

        public init(host: ByteString, port: Int?) {
            self.host = host
            self.port = port
        }

        public static func == (a: SentBy, b: SentBy) -> Bool { a.port == b.port && a.host.equalsIgnoringCase(b.host) }

        public func hash(into h: inout Hasher) {
            h.combine(port)
            h.combine(host.count)
            for b in host.bytes { h.combine(b | 0x20) }  // ASCII case folded (digits, '.', ':' and '-' unchanged)
        }
    }

    /// The top Via branch the key matches by; nil for an RFC 2543 request whose Via has none.
    public var branch: ByteString? {
        switch self {
        case .client(let branch, _), .server(let branch, _, _): branch
        case .rfc2543(_, _, _, _, _, let branch, _): branch
        }
    }

    /// A copy that owns its bytes: what a transaction keeps once it has let go of its request.
    public var owned: TransactionKey {
        switch self {
        case .client(let branch, let method):
            .client(branch: branch.owned, method: method)
        case .server(let branch, let sentBy, let method):
            .server(branch: branch.owned, sentBy: SentBy(host: sentBy.host.owned, port: sentBy.port), method: method)
        case .rfc2543(let callID, let fromTag, let sequenceNumber, let requestURI, let sentBy, let branch, let method):
            .rfc2543(callID: callID.owned, fromTag: fromTag?.owned, sequenceNumber: sequenceNumber,
                     requestURI: requestURI.owned, sentBy: SentBy(host: sentBy.host.owned, port: sentBy.port),
                     branch: branch?.owned, method: method)
        }
    }

    /// The client-side key of a request being sent or a response received (§17.1.3). Nil without a top Via
    /// branch or a CSeq.
    public static func client(_ message: SIPMessage) -> TransactionKey? {
        guard let branch = TopViaScan.of(message)?.branch, !branch.isEmpty else { return nil }
        let method: SIPMethod
        if let m = message.method, m != .ack {
            method = m  // the request line and CSeq agree in a valid request; the start line is cheaper
        } else {
            guard let c = message.cseq else { return nil }
            method = c.method
        }
        return .client(branch: branch, method: method)
    }

    /// The server-side key of a received request (§17.2.3). Nil for a response or without a top Via.
    public static func server(_ request: SIPMessage) -> TransactionKey? {
        guard let m = request.method else { return nil }
        return server(request, method: m == .ack ? .invite : m)
    }

    /// The key of the INVITE server transaction a received CANCEL cancels: the CANCEL's own key with method
    /// INVITE (§9.2). Nil when `cancel` is not a CANCEL.
    public static func invite(cancelledBy cancel: SIPMessage) -> TransactionKey? {
        guard cancel.method == .cancel else { return nil }
        return server(cancel, method: .invite)
    }

    static func server(_ request: SIPMessage, method: SIPMethod) -> TransactionKey? {
        guard let via = TopViaScan.of(request) else { return nil }
        let sentBy = SentBy(host: via.host, port: via.port)
        if let branch = via.branch, branch.hasPrefix("z9hG4bK") {
            return .server(branch: branch, sentBy: sentBy, method: method)
        }
        guard let callID = request.callID, let cseq = request.cseq, let uri = request.requestURI else { return nil }
        return .rfc2543(callID: callID, fromTag: request.from?.tag, sequenceNumber: cseq.sequenceNumber,
                        requestURI: uri, sentBy: sentBy, branch: via.branch, method: method)
    }
}
