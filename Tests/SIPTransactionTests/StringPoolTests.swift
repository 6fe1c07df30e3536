import SIPCore
import Testing
@testable import SIPTransaction

/// The pool that lets dialogs alike share their URIs and route sets, and the dialogs made with it.
@Suite struct StringPoolTests {
    @Test func givesBackEqualValuesAndHoldsAtMostItsLimit() {
        var pool = StringPool(limit: 2)
        #expect(pool.shared("sip:a@192.0.2.1") == "sip:a@192.0.2.1")
        #expect(pool.shared(String("sip:a@192.0.2.1".reversed().reversed())) == "sip:a@192.0.2.1")
        #expect(pool.shared("sip:b@192.0.2.1") == "sip:b@192.0.2.1")
        #expect(pool.shared("sip:c@192.0.2.1") == "sip:c@192.0.2.1", "past the limit a value comes back as it is")
        #expect(pool.count == 2)
        #expect(pool.shared(["<sip:p1;lr>", "<sip:p2;lr>"]) == ["<sip:p1;lr>", "<sip:p2;lr>"])
        #expect(pool.shared([String]()).isEmpty)
    }

    @Test func stringsMadeFromBytesAreMadeOnce() {
        var pool = StringPool(limit: 2)
        let uri = ByteString("<sip:a@192.0.2.1>").bytes.dropFirst().dropLast()  // a view inside a larger value
        #expect(pool.shared(ByteString(uri)) == "sip:a@192.0.2.1")
        #expect(pool.shared(ByteString("sip:a@192.0.2.1")) == "sip:a@192.0.2.1")
        #expect(pool.count == 1)
        #expect(pool.shared(routes: [ByteString("<sip:p1;lr>"), ByteString("<sip:p2;lr>")]) == ["<sip:p1;lr>", "<sip:p2;lr>"])
        #expect(pool.count == 2, "past the limit a value comes back as it is")
        #expect(pool.shared(routes: [ByteString]()).isEmpty)
    }

    /// A dialog made with a pool is the same dialog as one made without, and writes the same requests.
    @Test func aPooledDialogIsTheSameDialog() throws {
        var pool = StringPool()
        let invite = try Alice.invite(), ok = try Proxied.okAtAlice(), inviteAtBob = try Proxied.inviteAtBob()
        for _ in 0..<2 {  // the second time, every URI comes from the pool
            var pooledAlice = try Dialog.uac(request: invite, response: ok, callID: invite.callID!.owned, pool: &pool)
            var pooledBob = try Dialog.uas(request: inviteAtBob, localTag: "a6c85cf", callID: inviteAtBob.callID!.owned,
                                           pool: &pool)
            var alice = try Proxied.aliceDialog(), bob = try Proxied.bobDialog()
            #expect(pooledAlice == alice)
            #expect(pooledBob == bob)
            #expect(try pooledAlice.makeRequest(.bye, via: Alice.via).rawBytes == alice.makeRequest(.bye, via: Alice.via).rawBytes)
            #expect(try pooledBob.makeRequest(.bye, via: Alice.via).rawBytes == bob.makeRequest(.bye, via: Alice.via).rawBytes)
        }
        #expect(pool.count == 6, "held once each: the two parties' URIs, their two Contacts, the two Record-Routes")
    }

    /// A 2xx confirming an early dialog makes the same dialog as without the early one, sharing its tags' storage.
    @Test func aConfirmedDialogSharesTheEarlyDialogsTags() throws {
        var pool = StringPool()
        let invite = try Alice.invite()
        let early = try Dialog.uac(request: invite, response: try Proxied.okAtAlice(code: "180 Ringing"), pool: &pool)
        let confirmed = try Dialog.uac(request: invite, response: try Proxied.okAtAlice(), sharingTagsOf: early.id, pool: &pool)
        #expect(confirmed == (try Proxied.aliceDialog()))
        #expect(confirmed.id.remoteTag.bytes.withUnsafeBufferPointer { $0.baseAddress }
                == early.id.remoteTag.bytes.withUnsafeBufferPointer { $0.baseAddress }, "the same storage")
        let other = try Dialog.uac(request: invite, response: try Proxied.okAtAlice(), sharingTagsOf: DialogID(
            callID: early.id.callID, localTag: "x", remoteTag: "y"), pool: &pool)
        #expect(other == (try Proxied.aliceDialog()), "tags that differ are not taken")
    }

    /// The pool remembers the last Contact a dialog took its remote target from: the same value gives the same
    /// target without a parse, and another value its own target.
    @Test func theLastContactIsRememberedAndAnotherIsParsed() throws {
        var pool = StringPool()
        let invite = try Alice.invite()
        let ok = try Proxied.okAtAlice()
        let first = try Dialog.uac(request: invite, response: ok, pool: &pool)
        #expect(try Dialog.uac(request: invite, response: ok, pool: &pool).remoteTarget == first.remoteTarget)
        for contact in ["<sip:bob@192.0.2.99>", "Bob <sips:bob@192.0.2.4;transport=tcp>;expires=60"] {
            let other = try Proxied.okAtAlice(contact: contact)
            let dialog = try Dialog.uac(request: invite, response: other, pool: &pool)
            #expect(dialog.remoteTarget == (try Dialog.uac(request: invite, response: other)).remoteTarget)
            #expect(dialog.remoteTarget != first.remoteTarget)
        }
        #expect(try Dialog.uac(request: invite, response: ok, pool: &pool).remoteTarget == first.remoteTarget)
    }
}
