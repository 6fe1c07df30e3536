import SIPCore
import Testing
@testable import SIPTransaction

/// The pool that lets dialogs alike share their URIs and route sets, and `Dialog.sharing`.
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

    /// A dialog that shares its storage is the same dialog, and writes the same requests.
    @Test func aSharingDialogIsTheSameDialog() throws {
        var pool = StringPool()
        for dialog in [try Proxied.aliceDialog(), try Proxied.bobDialog()] {
            var shared = dialog.sharing(callID: dialog.id.callID.owned, localTag: dialog.id.localTag.owned, pool: &pool)
            var original = dialog
            #expect(shared == original)
            let a = try original.makeRequest(.bye, via: Alice.via), b = try shared.makeRequest(.bye, via: Alice.via)
            #expect(a.rawBytes == b.rawBytes)
        }
        #expect(pool.count == 6, "held once each: the two parties' URIs, their two Contacts, the two Record-Routes")
    }
}
