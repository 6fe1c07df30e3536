import SIPCore

/// Requests derived from an INVITE by copying its headers: the ACK for a non-2xx final and CANCEL.
public enum InviteRequests {
    /// The ACK a client INVITE transaction sends for a 300–699 final (RFC 3261 §17.1.1.3).
    ///
    /// Request-URI, Call-ID, From and CSeq number from the INVITE (method ACK); To from the response, so it
    /// carries the response's tag; one Via, equal to the INVITE's top Via (same branch); the INVITE's Route headers.
    public static func ackForNonSuccess(invite: SIPMessage, response: SIPMessage) throws(TransactionError) -> SIPMessage {
        guard let to = response.firstValue(.to) else { throw TransactionError("the response has no To header") }
        return try derived(.ack, from: invite, to: to.string)
    }

    /// A CANCEL for a pending INVITE (RFC 3261 §9.1).
    ///
    /// Request-URI, Call-ID, From, To and CSeq number equal to the INVITE's (method CANCEL); one Via equal to the
    /// INVITE's top Via, so the CANCEL matches the INVITE's server transaction by branch (§9.2); the INVITE's Route
    /// headers. Send it only after a provisional response has arrived (§9.1).
    public static func cancel(for invite: SIPMessage) throws(TransactionError) -> SIPMessage {
        guard let to = invite.firstValue(.to) else { throw TransactionError("the INVITE has no To header") }
        return try derived(.cancel, from: invite, to: to.string)
    }

    static func derived(_ method: SIPMethod, from invite: SIPMessage, to: String) throws(TransactionError) -> SIPMessage {
        guard invite.method == .invite, let uri = invite.requestURI else {
            throw TransactionError("\(method) can only be derived from an INVITE request")
        }
        guard let via = invite.firstValue(.via).map(HeaderList.first), let from = invite.firstValue(.from),
              let callID = invite.callID, let cseq = invite.cseq
        else { throw TransactionError("the INVITE lacks one of Via, From, Call-ID or CSeq") }
        var h: [(String, String)] = [("Via", via.string), ("Max-Forwards", "70"), ("From", from.string), ("To", to),
                                     ("Call-ID", callID.string), ("CSeq", "\(cseq.sequenceNumber) \(method)")]
        for f in invite.headers where f.name == .route { h.append(("Route", invite.value(of: f).string)) }
        do {
            return try SIPMessage.request(method, uri: uri.string, headers: h)
        } catch {
            throw TransactionError("the \(method) built from the INVITE does not parse: \(error)")
        }
    }
}

/// A message a transaction or dialog cannot work with, as one sentence.
public struct TransactionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
