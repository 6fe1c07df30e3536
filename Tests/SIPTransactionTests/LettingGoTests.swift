import SIPCore
import Testing
@testable import SIPTransaction

/// A transaction keeps its request only while its state can need it: once the final response has gone by, a long
/// call holds no INVITE (RFC 6026 Accepted needs none of it), and its key owns its bytes, so nothing keeps the
/// message's storage alive. Matching and retransmission handling must not change.
@Suite struct LettingGoTests {
    @Test func inviteClientLetsGoOfTheInviteOnItsFinalAndStillMatchesTheRetransmitted2xx() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite)
        _ = uac.start(at: ms(0))
        #expect(uac.invite != nil)
        #expect(try uac.makeCancel().method == .cancel, "a CANCEL can be built while the INVITE waits")
        let ok = try response(200, "OK", to: invite)
        _ = uac.received(ok, at: ms(100))
        #expect(uac.invite == nil)
        #expect(uac.inviteBytes.isEmpty)
        #expect(uac.key == TransactionKey.client(ok), "the owned key still matches the 2xx")
        #expect(ownsItsBytes(uac.key, apartFrom: invite))
        #expect(uac.received(ok, at: ms(600)) == [.deliver], "the 2xx retransmission still reaches the TU")
        #expect(throws: TransactionError.self) { try uac.makeCancel() }
    }

    @Test func inviteClientBuildsTheNon2xxAckBeforeLettingGo() throws {
        let invite = try Alice.invite()
        var uac = try ClientInviteTransaction(invite: invite)
        _ = uac.start(at: ms(0))
        let busy = try response(486, "Busy Here", to: invite)
        let out = uac.received(busy, at: ms(100))
        let ack = try #require(uac.ackBytes)
        #expect(out.contains(.send(ack)))
        #expect(uac.invite == nil)
        #expect(uac.received(busy, at: ms(700)) == [.send(ack)], "a retransmitted final gets the same ACK")
    }

    @Test func inviteServerLetsGoOfTheInviteOnItsFinalAndOfThe2xxOnItsAck() throws {
        let invite = try Alice.invite()
        var uas = try ServerInviteTransaction(invite: invite)
        _ = uas.respondTrying(at: ms(0))
        #expect(uas.invite != nil)
        let ok = try response(200, "OK", to: invite)
        _ = uas.respond(ok, at: ms(10))
        #expect(uas.invite == nil)
        #expect(uas.key == TransactionKey.server(invite))
        #expect(ownsItsBytes(uas.key, apartFrom: invite))
        #expect(uas.lastResponse == ok.bytes, "kept for the 2xx retransmissions until the ACK")
        let dialog = try Dialog.uac(request: invite, response: ok)
        let ack = try dialog.makeACK(inviteSequence: 1, via: "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKack1")
        _ = uas.received(ack, at: ms(20))
        #expect(uas.lastResponse == nil)
        #expect(uas.timerFired(.timerG, at: ms(510)) == .none)
        #expect(uas.received(invite, at: ms(600)) == .none, "Accepted absorbs INVITE retransmissions")
    }

    @Test func nonInviteServerLetsGoOfTheRequestButStillAnswersItsRetransmission() throws {
        let options = try Alice.options()
        var uas = try ServerNonInviteTransaction(request: options)
        let ok = try response(200, "OK", to: options)
        _ = uas.respond(ok, at: ms(0))
        #expect(uas.request == nil)
        #expect(uas.key == TransactionKey.server(options))
        #expect(ownsItsBytes(uas.key, apartFrom: options))
        #expect(uas.received(options, at: ms(500)) == [.send(ok.bytes)])
    }

    @Test func nonInviteClientLetsGoOfTheRequestOnItsFinal() throws {
        let options = try Alice.options()
        var uac = try ClientNonInviteTransaction(request: options)
        _ = uac.start(at: ms(0))
        let ok = try response(200, "OK", to: options)
        #expect(uac.received(ok, at: ms(10)).contains(.deliver))
        #expect(uac.request == nil)
        #expect(uac.requestBytes.isEmpty)
        #expect(uac.key == TransactionKey.client(ok))
        #expect(uac.received(ok, at: ms(20)) == .none, "Completed absorbs the retransmitted final")
        #expect(uac.timerFired(.timerE, at: ms(500)) == .none, "nothing is re-sent after the final")
    }

    /// Whether no byte string of `key` points into `message`'s storage.
    private func ownsItsBytes(_ key: TransactionKey, apartFrom message: SIPMessage) -> Bool {
        let parts: [ByteString]
        switch key {
        case .client(let branch, _): parts = [branch]
        case .server(let branch, let sentBy, _): parts = [branch, sentBy.host]
        case .rfc2543(let callID, let fromTag, _, let uri, let sentBy, let branch, _):
            parts = [callID, uri, sentBy.host] + [fromTag, branch].compactMap { $0 }
        }
        return message.storage.withUnsafeBufferPointer { storage in
            parts.allSatisfy { part in
                part.bytes.withUnsafeBufferPointer { p in
                    guard let base = p.baseAddress, let s = storage.baseAddress else { return true }
                    return base < s || base >= s + storage.count
                }
            }
        }
    }
}
