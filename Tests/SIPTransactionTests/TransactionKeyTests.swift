import SIPCore
import Testing
@testable import SIPTransaction

/// RFC 3261 §17.1.3 (responses to client transactions) and §17.2.3 (requests to server transactions).
@Suite struct TransactionKeyTests {
    @Test func ackForANonSuccessFinalMatchesTheInviteServerTransaction() throws {
        let invite = try Alice.invite()
        let ack = try InviteRequests.ackForNonSuccess(invite: invite, response: try response(486, "Busy Here", to: invite))
        let key = try #require(TransactionKey.server(invite))
        #expect(key == .server(branch: "z9hG4bK776asdhds",
                               sentBy: .init(host: "pc33.atlanta.example.com", port: 5060), method: .invite))
        #expect(TransactionKey.server(ack) == key)
        #expect(TransactionKey.server(invite) == TransactionKey.server(try SIPMessage(parsing: invite.bytes)),
                "a retransmission matches")
    }

    @Test func cancelHasItsOwnServerTransaction() throws {
        let invite = try Alice.invite()
        let cancel = try InviteRequests.cancel(for: invite)
        #expect(TransactionKey.server(cancel) == .server(branch: "z9hG4bK776asdhds",
                                                         sentBy: .init(host: "pc33.atlanta.example.com", port: 5060),
                                                         method: .cancel))
        // The responses: 200 to the CANCEL and 487 to the INVITE go to different client transactions.
        let okToCancel = try response(200, "OK", to: cancel)
        let terminated = try response(487, "Request Terminated", to: invite)
        #expect(TransactionKey.client(okToCancel) == TransactionKey.client(cancel))
        #expect(TransactionKey.client(terminated) == TransactionKey.client(invite))
        #expect(TransactionKey.client(okToCancel) != TransactionKey.client(terminated))
    }

    @Test func responsesMatchByBranchAndCSeqMethod() throws {
        let invite = try Alice.invite()
        #expect(TransactionKey.client(invite) == .client(branch: "z9hG4bK776asdhds", method: .invite))
        #expect(TransactionKey.client(try response(180, "Ringing", to: invite)) == TransactionKey.client(invite))
        let other = try Alice.invite(branch: "z9hG4bKother")
        #expect(TransactionKey.client(try response(180, "Ringing", to: other)) != TransactionKey.client(invite))
    }

    @Test func sentByAndMethodTakePart() throws {
        func options(_ via: String, _ method: SIPMethod = .options) throws -> SIPMessage {
            try message("\(method) sip:x@example.com SIP/2.0", "Via: SIP/2.0/UDP \(via);branch=z9hG4bKsame",
                        "CSeq: 1 \(method)", "Call-ID: k")
        }
        let a = TransactionKey.server(try options("a.example.com:5060"))
        #expect(a == TransactionKey.server(try options("A.Example.COM:5060")), "host compared without case")
        #expect(a != TransactionKey.server(try options("b.example.com:5060")), "same branch from another host")
        #expect(a != TransactionKey.server(try options("a.example.com:5070")))
        #expect(a != TransactionKey.server(try options("a.example.com")), "port as written: absent is not 5060")
        #expect(a != TransactionKey.server(try options("a.example.com:5060", .info)))
    }

    @Test func keysWorkAsDictionaryKeys() throws {
        var table: [TransactionKey: String] = [:]
        table[try #require(TransactionKey.server(try Alice.invite()))] = "invite"
        table[try #require(TransactionKey.server(try Alice.options()))] = "options"
        let ack = try InviteRequests.ackForNonSuccess(invite: try Alice.invite(), response: try response(603, "Decline", to: try Alice.invite()))
        #expect(table[try #require(TransactionKey.server(try SIPMessage(parsing: ack.bytes)))] == "invite")
        #expect(table[try #require(TransactionKey.server(try Alice.options(branch: "z9hG4bKnew")))] == nil)
    }

    @Test func rfc2543RequestsWithoutMagicCookieFallBackToDialogFields() throws {
        func legacy(_ method: SIPMethod, cseq: String, toTag: String? = nil, branch: String? = "1234") throws -> SIPMessage {
            try message("\(method) sip:bob@biloxi.example.com SIP/2.0",
                        "Via: SIP/2.0/UDP old.example.com:5060" + (branch.map { ";branch=\($0)" } ?? ""),
                        "From: <sip:carol@example.com>;tag=c1", "To: <sip:bob@biloxi.example.com>" + (toTag.map { ";tag=\($0)" } ?? ""),
                        "Call-ID: legacy-1", "CSeq: \(cseq)")
        }
        let invite = try legacy(.invite, cseq: "7 INVITE")
        let key = try #require(TransactionKey.server(invite))
        guard case .rfc2543 = key else { Issue.record("expected the RFC 2543 key, got \(key)"); return }
        #expect(TransactionKey.server(try legacy(.ack, cseq: "7 ACK", toTag: "b9")) == key, "ACK matches its INVITE")
        #expect(TransactionKey.server(try legacy(.invite, cseq: "8 INVITE")) != key)
        #expect(TransactionKey.server(try legacy(.cancel, cseq: "7 CANCEL")) != key)
        #expect(TransactionKey.server(try legacy(.invite, cseq: "7 INVITE", branch: nil)) != key)
        #expect(TransactionKey.server(try legacy(.invite, cseq: "7 INVITE", branch: nil))
                == TransactionKey.server(try legacy(.invite, cseq: "7 INVITE", branch: nil)))
    }

    @Test func messagesWithoutVia() throws {
        let bare = try message("OPTIONS sip:x@example.com SIP/2.0", "CSeq: 1 OPTIONS", "Call-ID: n")
        #expect(TransactionKey.server(bare) == nil)
        #expect(TransactionKey.client(bare) == nil)
        #expect(TransactionKey.server(try response(200, "OK", to: try Alice.options())) == nil, "responses have no server key")
    }
}
