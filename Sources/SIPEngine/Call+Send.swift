import NIOCore
import SIPCore
import SIPFlow
import SIPTransaction
import SIPTransport

/// Building and sending the messages of a call's `send` steps (RFC 3261 §8.1.1, §8.2.6, §12.2.1.1, §13.2.2.4).
extension Call {
    func send(_ template: MessageTemplate, at now: SIPInstant) throws {
        if let raw = template.raw {
            shard.send(Array(render(raw).utf8), to: peer, call: number)
            return
        }
        switch template.context.role {
        case .request(let tx):
            try sendRequest(template, step: tx.step, at: now)
            if case .request(.bye, _) = template.kind { ending.insert(.dialogEnded) }
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
        guard case .request(let method, let uriTemplate) = template.kind, let prepared = shard.prepared(template) else {
            throw EngineError("step \(template.step) is not a request")
        }
        var w = MessageWriter(capacity: prepared.capacity)
        let destination: Destination
        var createsDialog = false
        if case .within = template.context.dialog, hasDialog {
            // In place: a copy of the dialog would count a reference for each of its strings. Should the request
            // fail after this, the call ends (a CSeq number skipped does not matter then).
            try dialog!.writeRequest(method, into: &w, via: { shard.writeVia(into: &$0) },
                                     contact: method.isTargetRefresh ? shard.contact : nil)
            write(prepared.flowHeaders, into: &w)
            if let contentType = prepared.contentType { w.append(contentType) }
            destination = try withDialog { try shard.destination(for: $0) }!
        } else {
            if case .creates = template.context.dialog { createsDialog = true }
            localSequence += 1
            write(prepared.initial ?? PreparedRequest.initial(method, uri: uriTemplate.map(render), flowLines: prepared.flowLines,
                                                              on: shard), into: &w)
            destination = shard.target ?? peer
        }
        w.hasContentLength = prepared.hasContentLength
        let request = try w.message(body: fill(prepared.body))  // filled last: variables are filled in wire order
        let entry = try ClientEntry(step: step, request: request, destination: destination, createsDialog: createsDialog,
                                    configuration: shard.transactions, at: now)
        let actions = entry.start(at: now)
        clients.removeAll { $0.step == step }
        clients.append(entry)
        if method == .invite, !createsDialog || marks.inviteSent == nil { marks.inviteSent = now }
        run(actions, client: clients.count - 1, fromTimer: false, at: now)
    }

    /// The ACK for a 2xx (RFC 3261 §13.2.2.4): only bytes, sent again for each retransmission of the 2xx (see
    /// `Call.Acknowledgement`). The step's body is not sent.
    private func sendACK(_ template: MessageTemplate, inviteStep: Int) throws {
        guard let i = clients.firstIndex(where: { $0.step == inviteStep }), let seq = clients[i].sequence,
              hasDialog, let prepared = shard.prepared(template)
        else { throw EngineError("no INVITE answered 2xx to acknowledge at step \(template.step)") }
        var branch: UInt64 = 0
        let (bytes, destination) = try withDialog { d in
            (writeACK(in: d, inviteSequence: seq, prepared: prepared) { w in branch = shard.writeVia(into: &w) },
             try shard.destination(for: d))
        }!
        acknowledged = Acknowledgement(inviteSequence: seq, step: template.step, branch: branch,
                                       bytes: prepared.flowHeadersRepeat ? nil : bytes)
        shard.send(bytes, to: destination, call: number)
    }

    private func sendCancel(step: Int, inviteStep: Int, at now: SIPInstant) throws {
        guard let i = clients.firstIndex(where: { $0.step == inviteStep }), case .invite(let tx) = clients[i].transaction
        else { throw EngineError("no INVITE to cancel at step \(step)") }
        let cancel = try tx.makeCancel()
        let entry = try ClientEntry(step: step, request: cancel, destination: clients[i].destination, createsDialog: false,
                                    configuration: shard.transactions, at: now)
        let actions = entry.start(at: now)
        clients.removeAll { $0.step == step }
        clients.append(entry)
        run(actions, client: clients.count - 1, fromTimer: false, at: now)
    }

    // MARK: Responses

    /// A response from the step prepared for the shard (RFC 3261 §8.2.6): the headers copied from the request as
    /// bytes, a To tag unless the request's To has one (never on 100), then the prepared lines with their variables
    /// filled. Variables are filled in the order headers, body, reason phrase. A 101–299 to an INVITE outside a
    /// dialog creates the dialog (§12.1.1), early or confirmed.
    private func sendResponse(_ template: MessageTemplate, step: Int, at now: SIPInstant) throws {
        guard let i = servers.lastIndex(where: { $0.step == step }), let prepared = shard.preparedResponse(template),
              let request = servers[i].request, servers[i].method == prepared.method else {
            throw EngineError("no request to answer at step \(template.step + 1) (a final response was already sent)")
        }
        let status = prepared.status, method = servers[i].method, toTagged = servers[i].requestHasToTag
        // The copied headers take at most what the request's start line and headers took.
        var w = MessageWriter(capacity: prepared.capacity + request.rawBytes.count - request.bodyRange.count)
        if let statusLine = prepared.statusLine { w.append(statusLine) }
        w.copyHeaders(of: request, statusCode: status, toTag: status == 100 || toTagged ? nil : localTag)
        if prepared.listsBinding { writeBinding(of: request, into: &w) }
        write(prepared.headers, into: &w)
        w.hasContentLength = prepared.hasContentLength
        let body = fill(prepared.body)
        if let reason = prepared.reason {
            w.bytes.insert(contentsOf: Array("SIP/2.0 \(status) \(render(reason))\r\n".utf8), at: 0)
        }
        let bytes = w.finish(body: body)
        if method == .invite, (101..<300).contains(status), !toTagged {
            if !hasDialog {
                dialog = try? Dialog.uas(request: request, localTag: localTag, state: status < 200 ? .early : .confirmed,
                                         callID: callID, pool: &shard.strings)
            } else if status >= 200 {
                dialog?.confirm()
            }
        }
        let actions = servers[i].respond(statusCode: status, bytes: bytes, at: now)
        run(actions, server: i, fromTimer: false, at: now)
    }

    /// The first binding of a REGISTER, for its 2xx (RFC 3261 §10.3 step 8): with the expiry the Contact gives, else
    /// `;expires=` and the request's Expires, else 3600. `Contact: *` lists none.
    private func writeBinding(of request: SIPMessage, into w: inout MessageWriter) {
        guard let contact = request.values(.contact).first(where: { $0.string != "*" })?.string else { return }
        let expires = request.expires.map(String.init) ?? "3600"
        w.header("Contact", contact.contains("expires=") ? contact : "\(contact);expires=\(expires)")
    }

    // MARK: Templates

    func render(_ template: Template) -> String { template.render(value(of:)) }

    /// A variable's value in this call.
    func value(of variable: Variable) -> String {
        switch variable {
        case .builtin(let b):
            switch b {
            case .callNumber: return String(number + 1)
            case .seq: return String(shard.nextSequenceValue())
            case .localIP: return shard.advertisedHost
            case .localPort: return String(shard.localPort)
            case .remoteIP: return peer.address.ipAddress ?? ""
            case .remotePort: return String(peer.address.port ?? 0)
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

    /// Writes a prepared message's pieces with this call's values.
    func write(_ pieces: [PreparedRequest.Piece], into w: inout MessageWriter) {
        for piece in pieces {
            switch piece {
            case .bytes(let bytes): w.append(bytes)
            case .branch: shard.ids.writeBranch(into: &w)
            case .localTag: w.append(localTag)
            case .callID: w.append(callID)
            case .sequence: w.append(UInt64(localSequence))
            case .header(let name, let text):
                w.append(name)
                text.render(into: &w.bytes, value(of:))
                w.endLine()
            }
        }
    }

    func fill(_ body: PreparedRequest.Body) -> [UInt8] {
        switch body {
        case .empty: return []
        case .fixed(let bytes): return bytes
        case .filled(let text):
            var bytes: [UInt8] = []
            text.render(into: &bytes, value(of:))
            return bytes
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
    /// Ends the call at once, properly: it counts as aborted, and its ending (see `Call+Ending.swift`) sends BYE for
    /// a confirmed dialog, CANCEL for an INVITE still waiting for its final response (RFC 3261 §15, §9.1), and 500
    /// to a request not yet answered.
    func abort(at now: SIPInstant) {
        finish(at: now, failure: .aborted, detail: "ended on request (Ctrl-C or SIGTERM) with the flow at step \(pc + 1)")
    }
}
