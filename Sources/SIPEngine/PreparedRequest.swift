import SIPCore
import SIPFlow

/// A request step of the flow written ahead for one shard: what never changes as bytes, with slots for what each
/// call and message fills in (RFC 3261 §8.1.1).
///
/// Built when the shard learns its address (`Shard.advertise`), so sending a request copies bytes and fills the
/// slots: no `String` per header, no header name classified per message.
///
/// A class, not a struct: a call takes the step's for every request it sends, and passing a reference costs one
/// retain where copying the struct cost one for each of its arrays.
final class PreparedRequest {
    /// A run of a request's bytes: fixed, or filled per message.
    enum Piece {
        case bytes([UInt8])
        /// A fresh Via branch (§8.1.1.7).
        case branch
        /// The call's From tag.
        case localTag
        case callID
        /// The call's CSeq number.
        case sequence
        /// A flow header whose value has variables: `name` (with its colon and space), the value, CRLF.
        case header(name: [UInt8], value: Template)

        static func text(_ text: String) -> Piece { .bytes(Array(text.utf8)) }
    }

    /// A header line as pieces, with its name classified (`.other` for an extension header).
    struct Line {
        var name: HeaderName
        var pieces: [Piece]
    }

    enum Body {
        case empty
        case fixed([UInt8])
        case filled(Template)
    }

    /// The request outside a dialog, up to its Content-Length; nil when the Request-URI has variables (then
    /// `initial(_:uri:flowLines:on:)` prepares it for each message).
    let initial: [Piece]?
    /// The flow's headers, then the Content-Type of the body when they name none.
    let flowLines: [Line]
    /// The flow's headers alone, for an in-dialog request or an ACK (the dialog writes the rest).
    let flowHeaders: [Piece]
    /// True when `flowHeaders` give the same bytes every time a call writes them: none of their variables is
    /// `${seq}`, a random number or a capture (which a later message may change).
    let flowHeadersRepeat: Bool
    /// `Content-Type: …` and CRLF when the step has a body and its headers name no Content-Type.
    let contentType: [UInt8]?
    /// True when the flow's headers give a Content-Length.
    let hasContentLength: Bool
    let body: Body
    /// What to reserve for the message: 512 bytes for the start line and headers, and the body's fixed text with
    /// 32 bytes for each of its variables.
    let capacity: Int

    init(_ template: MessageTemplate, method: SIPMethod, requestURI: Template?, on shard: Shard) {
        let (headers, contentType) = Self.flowLines(of: template)
        flowHeaders = Self.joined(headers)
        flowHeadersRepeat = flowHeaders.allSatisfy { piece in
            guard case .header(_, let value) = piece else { return true }
            return value.variables.allSatisfy { variable in
                switch variable {
                case .builtin(let b): b != .seq
                case .data: true
                case .captured, .random: false
                }
            }
        }
        self.contentType = contentType
        flowLines = headers + (contentType.map { [Line(name: .contentType, pieces: [.bytes($0)])] } ?? [])
        hasContentLength = headers.contains { $0.name == .contentLength }
        body = Self.body(of: template)
        capacity = 512 + Self.bodyCapacity(of: template)
        if let requestURI, !requestURI.isLiteral {
            initial = nil
        } else {
            initial = Self.initial(method, uri: requestURI?.literalText, flowLines: flowLines, on: shard)
        }
    }

    /// The flow's headers of a step as lines, literal ones as bytes; and `Content-Type: …` with CRLF when the step
    /// has a body and its headers name no Content-Type.
    static func flowLines(of template: MessageTemplate) -> (headers: [Line], contentType: [UInt8]?) {
        let headers = template.headers.map { header in
            let name = Array("\(header.name): ".utf8)
            guard header.value.isLiteral else { return Line(name: header.header, pieces: [.header(name: name, value: header.value)]) }
            return Line(name: header.header, pieces: [.bytes(name + Array("\(header.value.literalText)\r\n".utf8))])
        }
        guard let body = template.body, !headers.contains(where: { $0.name == .contentType }) else { return (headers, nil) }
        return (headers, Array("Content-Type: \(body.contentType)\r\n".utf8))
    }

    /// A step's body: none, fixed bytes, or a template filled per message.
    static func body(of template: MessageTemplate) -> Body {
        switch template.body {
        case nil: .empty
        case let b? where b.text.isLiteral: .fixed(Array(b.text.literalText.utf8))
        case let b?: .filled(b.text)
        }
    }

    /// What to reserve for a step's body: its fixed text, and 32 bytes for each of its variables.
    static func bodyCapacity(of template: MessageTemplate) -> Int {
        (template.body?.text.segments ?? []).reduce(0) { size, segment in
            if case .literal(let text) = segment { size + text.utf8.count } else { size + 32 }
        }
    }

    /// The requests `program` sends (but raw ones), prepared for `shard`, indexed by step.
    static func all(in program: PartyProgram, on shard: Shard) -> [PreparedRequest?] {
        program.preparedSteps { template in
            guard case .request(let method, let uri) = template.kind else { return nil }
            return PreparedRequest(template, method: method, requestURI: uri, on: shard)
        }
    }

    /// A request outside a dialog to `uri` (nil: the configured Request-URI), up to its Content-Length.
    ///
    /// The engine's headers (§8.1.1): Via, Max-Forwards, From, To, Call-ID, CSeq and, but for ACK and CANCEL,
    /// Contact. A flow header named like one of them replaces it where it stands; the others follow in order.
    /// REGISTER names the address of record in To and From, and the registrar's domain as Request-URI unless the
    /// flow gives one (§10.2).
    static func initial(_ method: SIPMethod, uri: String?, flowLines: [Line], on shard: Shard) -> [Piece] {
        let config = shard.configuration
        var requestURI = uri ?? config.requestURI
        var toURI = requestURI
        var fromURI = "sip:\(config.localUser)@\(shard.uriHost)"
        if method == .register {
            let domain = SIPEngineURI.hostPort(of: requestURI) ?? shard.uriHost
            if uri == nil { requestURI = "sip:\(domain)" }
            toURI = "sip:\(config.localUser)@\(domain)"
            fromURI = toURI
        }
        var lines = [
            Line(name: .via, pieces: [.bytes(Array("Via: ".utf8) + shard.viaPrefix), .branch, .text(";rport\r\n")]),
            Line(name: .maxForwards, pieces: [.text("Max-Forwards: 70\r\n")]),
            Line(name: .from, pieces: [.text("From: <\(fromURI)>;tag="), .localTag, .text("\r\n")]),
            Line(name: .to, pieces: [.text("To: <\(toURI)>\r\n")]),
            Line(name: .callID, pieces: [.text("Call-ID: "), .callID, .text("\r\n")]),
            Line(name: .cseq, pieces: [.text("CSeq: "), .sequence, .text(" \(method)\r\n")]),
        ]
        if method != .cancel && method != .ack { lines.append(Line(name: .contact, pieces: [.text("Contact: \(shard.contact)\r\n")])) }
        for line in flowLines {
            if line.name != .other, let i = lines.firstIndex(where: { $0.name == line.name }) {
                lines[i] = line
            } else {
                lines.append(line)
            }
        }
        return joined([Line(name: .other, pieces: [.text("\(method) \(requestURI) SIP/2.0\r\n")])] + lines)
    }

    /// The lines' pieces in order, neighbouring bytes joined into one piece.
    static func joined(_ lines: [Line]) -> [Piece] {
        var out: [Piece] = []
        for piece in lines.lazy.flatMap(\.pieces) {
            if case .bytes(let more) = piece, case .bytes(let bytes)? = out.last {
                out[out.count - 1] = .bytes(bytes + more)
            } else {
                out.append(piece)
            }
        }
        return out
    }
}

extension PartyProgram {
    /// What `prepare` makes of each message the program sends (but raw ones), indexed by flow step; nil where it
    /// makes nothing.
    func preparedSteps<T>(_ prepare: (MessageTemplate) -> T?) -> [T?] {
        var prepared: [T?] = []
        for case .send(let template) in instructions where template.raw == nil {
            guard let value = prepare(template) else { continue }
            if prepared.count <= template.step { prepared += Array(repeating: nil, count: template.step + 1 - prepared.count) }
            prepared[template.step] = value
        }
        return prepared
    }
}
