import SIPCore
import SIPFlow

/// A response step of the flow written ahead for one shard: the status line, the engine's Contact, the flow's
/// headers, Content-Type and the body as bytes, with slots for what has variables (RFC 3261 §8.2.6).
///
/// Built with the shard's `PreparedRequest`s (`Shard.advertise`: the Contact names the shard's address). Sending
/// the response writes the headers copied from the request (Via, From, To, Call-ID, CSeq, Record-Route) and, for a
/// 2xx to REGISTER, its binding; the rest is copied bytes and filled slots: no `String` per header, no header name
/// classified per message. A class for the reason `PreparedRequest` is one.
final class PreparedResponse {
    let status: Int
    /// The method of the request the step answers.
    let method: SIPMethod
    /// `SIP/2.0 code reason` and CRLF; nil when the reason phrase has variables (`reason` is then filled per message).
    let statusLine: [UInt8]?
    let reason: Template?
    /// The engine's Contact, then the flow's headers, then the Content-Type of the body when they name none.
    ///
    /// The Contact goes on a 101–299 to INVITE, SUBSCRIBE or UPDATE when the flow's headers name no Contact
    /// (RFC 3261 §12.1.1, RFC 6665 §4.1.3, RFC 3311 §5.2).
    let headers: [PreparedRequest.Piece]
    /// True for a 2xx to REGISTER whose flow's headers name no Contact: it lists the request's binding, with its
    /// expiry (RFC 3261 §10.3 step 8).
    let listsBinding: Bool
    /// True when the flow's headers give a Content-Length.
    let hasContentLength: Bool
    let body: PreparedRequest.Body
    /// What to reserve for the response but the headers copied from the request: the fixed bytes, and 32 for each
    /// variable.
    let capacity: Int

    init(_ template: MessageTemplate, status: Int, answering method: SIPMethod, on shard: Shard) {
        self.status = status
        self.method = method
        let reason = template.kind.reasonTemplate ?? Template(stringLiteral: ReasonPhrase.default(for: status))
        if reason.isLiteral {
            statusLine = Array("SIP/2.0 \(status) \(reason.literalText)\r\n".utf8)
            self.reason = nil
        } else {
            statusLine = nil
            self.reason = reason
        }
        let (flowHeaders, contentType) = PreparedRequest.flowLines(of: template)
        var lines = flowHeaders
        if let contentType { lines.append(PreparedRequest.Line(name: .contentType, pieces: [.bytes(contentType)])) }
        let namesContact = lines.contains { $0.name == .contact }
        if (101..<300).contains(status), method == .invite || method == .subscribe || method == .update, !namesContact {
            lines.insert(PreparedRequest.Line(name: .contact, pieces: [.text("Contact: \(shard.contact)\r\n")]), at: 0)
        }
        listsBinding = method == .register && (200..<300).contains(status) && !namesContact
        headers = PreparedRequest.joined(lines)
        hasContentLength = lines.contains { $0.name == .contentLength }
        body = PreparedRequest.body(of: template)
        capacity = headers.reduce(statusLine?.count ?? 64) { size, piece in
            if case .bytes(let bytes) = piece { size + bytes.count } else { size + 32 }
        } + PreparedRequest.bodyCapacity(of: template)
    }

    /// The responses `program` sends (but raw ones), prepared for `shard`, indexed by step.
    static func all(in program: PartyProgram, on shard: Shard) -> [PreparedResponse?] {
        program.preparedSteps { template in
            guard case .response(_, let method) = template.context.role, let status = template.status else { return nil }
            return PreparedResponse(template, status: status, answering: method, on: shard)
        }
    }
}
