import NIOCore
import SIPCore
import SIPFlow
import SIPTransaction

/// Building and sending the messages of a call's `send` steps (RFC 3261 §8.1.1, §8.2.6, §12.2.1.1, §13.2.2.4).
extension Call {
    func send(_ template: MessageTemplate, at now: SIPInstant) throws {
        if let raw = template.raw {
            shard.send(Array(render(raw).utf8), to: peer)
            return
        }
        switch template.context.role {
        case .request(let tx):
            try sendRequest(template, step: tx.step, at: now)
        case .ack(let invite, let for2xx):
            if for2xx { try sendACK(template, inviteStep: invite.step) }
            // The ACK for a non-2xx final was sent by the INVITE client transaction itself (§17.1.1.3).
        case .cancel(let tx, let invite):
            try sendCancel(step: tx.step, inviteStep: invite.step, at: now)
        case .response(let tx, _):
            try sendResponse(template, step: tx.step, at: now)
        }
    }

    // MARK: Requests

    private func sendRequest(_ template: MessageTemplate, step: Int, at now: SIPInstant) throws {
        guard case .request(let method, let uriTemplate) = template.kind else { throw EngineError("step \(template.step) is not a request") }
        let userHeaders = renderHeaders(template)
        let body = template.body.map { Array(render($0.text).utf8) } ?? []
        var extra = userHeaders
        if let b = template.body, !userHeaders.contains(where: { HeaderName.classify($0.0) == .contentType }) {
            extra.append(("Content-Type", b.contentType))
        }
        let request: SIPMessage
        let destination: SocketAddress
        var createsDialog = false
        if case .within = template.context.dialog, var d = dialog {
            let via = shard.via()
            let contact = method.isTargetRefresh ? shard.contact : nil
            request = try d.makeRequest(method, via: via, contact: contact, extraHeaders: extra, body: body)
            dialog = d
            destination = try shard.destination(for: d)
        } else {
            if case .creates = template.context.dialog { createsDialog = true }
            request = try initialRequest(method, uri: uriTemplate.map(render), headers: extra, body: body)
            destination = shard.configuration.target ?? peer
        }
        let entry = try ClientEntry(step: step, request: request, destination: destination, createsDialog: createsDialog,
                                    configuration: shard.configuration.transactions, at: now)
        let actions = entry.start(at: now)
        clients.removeAll { $0.step == step }
        clients.append(entry)
        if method == .invite, !createsDialog || marks.inviteSent == nil { marks.inviteSent = now }
        run(actions, client: clients.count - 1, fromTimer: false, at: now)
    }

    /// An out-of-dialog request: the engine fills Via, Max-Forwards, From, To, Call-ID, CSeq and Contact
    /// (§8.1.1); a user header with the same name replaces the engine's.
    private func initialRequest(_ method: SIPMethod, uri: String?, headers: [(String, String)], body: [UInt8]) throws -> SIPMessage {
        let config = shard.configuration
        var requestURI = uri ?? config.requestURI
        var toURI = requestURI
        var fromURI = "sip:\(config.localUser)@\(shard.advertisedHost)"
        if method == .register {
            // REGISTER: To and From name the address of record; the Request-URI names the registrar (§10.2).
            let domain = SIPEngineURI.hostPort(of: requestURI) ?? shard.advertisedHost
            if uri == nil { requestURI = "sip:\(domain)" }
            toURI = "sip:\(config.localUser)@\(domain)"
            fromURI = toURI
        }
        localSequence += 1
        var h: [(String, String)] = [
            ("Via", shard.via()),
            ("Max-Forwards", "70"),
            ("From", "<\(fromURI)>;tag=\(localTag)"),
            ("To", "<\(toURI)>"),
            ("Call-ID", callID),
            ("CSeq", "\(localSequence) \(method)"),
        ]
        if method != .cancel && method != .ack { h.append(("Contact", shard.contact)) }
        merge(headers, into: &h)
        return try SIPMessage.request(method, uri: requestURI, headers: h, body: body)
    }

    private func sendACK(_ template: MessageTemplate, inviteStep: Int) throws {
        guard let i = clients.firstIndex(where: { $0.step == inviteStep }), let seq = clients[i].sequence,
              let d = dialog else { throw EngineError("no INVITE answered 2xx to acknowledge at step \(template.step)") }
        let ack = try d.makeACK(inviteSequence: seq, via: shard.via(), extraHeaders: renderHeaders(template))
        let bytes = Array(ack.rawBytes)
        let destination = try shard.destination(for: d)
        clients[i].ackBytes = bytes
        clients[i].ackDestination = destination
        shard.send(bytes, to: destination)
    }

    private func sendCancel(step: Int, inviteStep: Int, at now: SIPInstant) throws {
        guard let i = clients.firstIndex(where: { $0.step == inviteStep }), case .invite(let tx) = clients[i].transaction
        else { throw EngineError("no INVITE to cancel at step \(step)") }
        let cancel = try tx.makeCancel()
        let entry = try ClientEntry(step: step, request: cancel, destination: clients[i].destination, createsDialog: false,
                                    configuration: shard.configuration.transactions, at: now)
        let actions = entry.start(at: now)
        clients.removeAll { $0.step == step }
        clients.append(entry)
        run(actions, client: clients.count - 1, fromTimer: false, at: now)
    }

    // MARK: Responses

    private func sendResponse(_ template: MessageTemplate, step: Int, at now: SIPInstant) throws {
        guard let i = servers.lastIndex(where: { $0.step == step }), let status = template.status,
              let request = servers[i].request else {
            throw EngineError("no request to answer at step \(template.step + 1) (a final response was already sent)")
        }
        var extra = renderHeaders(template)
        let body = template.body.map { Array(render($0.text).utf8) } ?? []
        if let b = template.body, !extra.contains(where: { HeaderName.classify($0.0) == .contentType }) {
            extra.append(("Content-Type", b.contentType))
        }
        let method = servers[i].method
        if (101..<300).contains(status), method == .invite || method == .subscribe || method == .update || method == .register {
            if method != .register, !extra.contains(where: { HeaderName.classify($0.0) == .contact }) {
                extra.insert(("Contact", shard.contact), at: 0)
            }
        }
        if method == .register, (200..<300).contains(status) {
            // RFC 3261 §10.3 step 8: a 2xx to REGISTER lists the current bindings, each with its expiry.
            let expires = request.expires.map(String.init) ?? "3600"
            for contact in request.values(.contact) where contact.string != "*" {
                if !extra.contains(where: { HeaderName.classify($0.0) == .contact }) {
                    extra.insert(("Contact", contact.string.contains("expires=") ? contact.string : "\(contact);expires=\(expires)"), at: 0)
                }
            }
        }
        let reason = template.kind.reasonTemplate.map(render) ?? ReasonPhrase.default(for: status)
        let response = try SIPMessage.response(to: request, statusCode: status, reason: reason,
                                               toTag: status == 100 ? nil : localTag, extraHeaders: extra, body: body)
        if method == .invite, (101..<300).contains(status), request.to?.tag == nil {
            if dialog == nil {
                dialog = try? Dialog.uas(request: request, localTag: localTag, state: status < 200 ? .early : .confirmed)
            } else if status >= 200 {
                dialog?.confirm()
            }
        }
        let actions = servers[i].respond(response, at: now)
        run(actions, server: i, fromTimer: false, at: now)
    }

    // MARK: Templates

    func render(_ template: Template) -> String {
        template.render { variable in
            switch variable {
            case .builtin(let b):
                switch b {
                case .callNumber: return String(number + 1)
                case .seq: return String(shard.nextSequenceValue())
                case .localIP: return shard.advertisedHost
                case .localPort: return String(shard.localPort)
                case .remoteIP: return peer.ipAddress ?? ""
                case .remotePort: return String(peer.port ?? 0)
                case .target: return shard.configuration.requestURI
                }
            case .captured(_, let slot):
                return slot < captures.count ? captures[slot] ?? "" : ""
            case .data(let column):
                return shard.configuration.data?.value(column, in: dataRow) ?? ""
            case .random(let range):
                return String(Int.random(in: range, using: &shard.random))
            }
        }
    }

    func renderHeaders(_ template: MessageTemplate) -> [(String, String)] {
        template.headers.map { ($0.name, render($0.value)) }
    }

    /// Adds `user` headers to `defaults`: one with the name of a default replaces it, others are appended.
    private func merge(_ user: [(String, String)], into defaults: inout [(String, String)]) {
        for (name, value) in user {
            let kind = HeaderName.classify(name)
            if kind != .other, let i = defaults.firstIndex(where: { HeaderName.classify($0.0) == kind }) {
                defaults[i] = (name, value)
            } else {
                defaults.append((name, value))
            }
        }
    }
}

extension MessageKind {
    var reasonTemplate: Template? {
        if case .response(_, let reason) = self { return reason }
        return nil
    }
}

extension SIPMethod {
    /// Requests that update the remote target (RFC 3261 §12.2).
    var isTargetRefresh: Bool { self == .invite || self == .update || self == .subscribe || self == .notify }
}

/// Standard reason phrases (RFC 3261 §21).
enum ReasonPhrase {
    static func `default`(for code: Int) -> String {
        switch code {
        case 100: "Trying"
        case 180: "Ringing"
        case 181: "Call Is Being Forwarded"
        case 182: "Queued"
        case 183: "Session Progress"
        case 200: "OK"
        case 202: "Accepted"
        case 300..<400: "Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 480: "Temporarily Unavailable"
        case 481: "Call/Transaction Does Not Exist"
        case 486: "Busy Here"
        case 487: "Request Terminated"
        case 488: "Not Acceptable Here"
        case 500: "Server Internal Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 600: "Busy Everywhere"
        case 603: "Decline"
        default: "Response"
        }
    }
}

/// URI helpers the engine needs without a full parse.
enum SIPEngineURI {
    /// `host[:port]` of a SIP URI, e.g. `sip:svc@192.0.2.5:5060;transport=udp` → `192.0.2.5:5060`.
    static func hostPort(of uri: String) -> String? {
        guard let parsed = try? SIPURI.parse(ByteString(uri)), let host = parsed.host else { return nil }
        return parsed.port.map { "\(host):\($0)" } ?? host.string
    }
}

extension Call {
    /// Ends the call at once, properly: BYE for a confirmed dialog, CANCEL for an INVITE still waiting for its
    /// final response (RFC 3261 §15, §9.1). The call counts as aborted.
    func abort(at now: SIPInstant) {
        guard !finished else { return }
        if var d = dialog, d.state == .confirmed {
            if let bye = try? d.makeRequest(.bye, via: shard.via()),
               let destination = try? shard.destination(for: d),
               let entry = try? ClientEntry(step: -1, request: bye, destination: destination, createsDialog: false,
                                            configuration: shard.configuration.transactions, at: now) {
                dialog = d
                let actions = entry.start(at: now)
                clients.append(entry)
                run(actions, client: clients.count - 1, fromTimer: false, at: now)
            }
        } else if let i = clients.firstIndex(where: { $0.method == .invite && $0.awaitingFinal }),
                  case .invite(let tx) = clients[i].transaction, let cancel = try? tx.makeCancel(),
                  let entry = try? ClientEntry(step: -2, request: cancel, destination: clients[i].destination,
                                               createsDialog: false, configuration: shard.configuration.transactions,
                                               at: now) {
            let actions = entry.start(at: now)
            clients.append(entry)
            run(actions, client: clients.count - 1, fromTimer: false, at: now)
        }
        finish(at: now, failure: .aborted, detail: "ended on request (Ctrl-C or SIGTERM) with the flow at step \(pc + 1)")
    }
}
