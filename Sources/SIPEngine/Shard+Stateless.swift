import NIOCore
import SIPCore
import SIPFlow
import SIPTransaction
import SIPTransport

/// Requests that belong to no call: new calls for the responder, and stateless answers for the rest
/// (RFC 3261 §8.2: 405 with Allow, 481 for an unknown dialog or transaction, 200 to OPTIONS).
extension PartyProgram {
    /// The method of the request that opens a call of the responder's program.
    var firstExpectedMethod: SIPMethod? {
        for instruction in instructions {
            if case .expect(let e) = instruction, case .request(let m) = e.match { return m }
            if case .send = instruction { return nil }
        }
        return nil
    }
}

extension Shard {
    /// Methods this side can handle, for Allow (RFC 3261 §20.5).
    var allowedMethods: String {
        var methods: [SIPMethod] = [.invite, .ack, .bye, .cancel, .options]
        for case .expect(let e) in program.instructions {
            if case .request(let m) = e.match, !methods.contains(m) { methods.append(m) }
        }
        return methods.map(\.rawValue).joined(separator: ", ")
    }

    func handleOutOfCall(_ message: SIPMessage, from source: Destination, at now: SIPInstant) {
        let hasToTag = message.hasToTag
        let method = message.method
        let startsCall = configuration.role == .responder && !hasToTag && method != nil && method == firstExpectedMethod
        if startsCall, !stopping, processActive.tryStart(limit: configuration.maxConcurrent) {
            acceptCall(message, from: source, at: now)
            return
        }
        messagesOutOfCalls &+= 1
        guard let method, method != .ack else { return }  // stray responses and ACKs: dropped
        if startsCall {
            reply(to: message, from: source, status: 503, extra: [("Retry-After", "1")])
            return
        }
        if method == .options, !hasToTag {
            if let status = configuration.optionsStatus {
                reply(to: message, from: source, status: status,
                      extra: [("Allow", allowedMethods), ("Accept", "application/sdp")])
            }
            return
        }
        if hasToTag || method == .cancel || method == .bye {
            reply(to: message, from: source, status: 481)
            return
        }
        reply(to: message, from: source, status: 405, extra: [("Allow", allowedMethods)])
    }

    private func acceptCall(_ request: SIPMessage, from source: Destination, at now: SIPInstant) {
        guard let callID = request.callID?.owned else { return }
        let number = nextCall
        nextCall += count
        let call = Call(shard: self, number: number, callID: callID, localTag: ids.tag(), peer: source,
                        scheduled: now, dataRow: configuration.data?.row(forCall: number) ?? [])
        calls.insert(call)
        active += 1
        stats.started += 1
        call.advance(at: now)
        call.receive(request, from: source, at: now)
    }

    /// A response sent without a transaction (RFC 3261 §8.2.6.1 copies; a fresh To tag).
    func reply(to request: SIPMessage, from source: Destination, status: Int, extra: [(String, String)] = []) {
        guard let response = try? SIPMessage.response(to: request, statusCode: status,
                                                      reason: ReasonPhrase.default(for: status),
                                                      toTag: request.to?.tag == nil ? ids.tag() : nil,
                                                      extraHeaders: extra) else { return }
        send(Array(response.rawBytes), to: source)
    }
}
