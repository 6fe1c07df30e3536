import SIPCore

/// A dialog's identity: Call-ID, local tag and remote tag (RFC 3261 §12).
///
/// Compared by content. IDs stored in a `Dialog` own their bytes; the ones computed from a received message share
/// that message's storage, so a lookup allocates nothing.
public struct DialogID: Sendable, Hashable, CustomStringConvertible {
    public let callID: ByteString
    public let localTag: ByteString
    /// Empty when the peer is an RFC 2543 UA that sent no From tag (§12.1.1).
    public let remoteTag: ByteString

    public init(callID: ByteString, localTag: ByteString, remoteTag: ByteString) {
        self.callID = callID
        self.localTag = localTag
        self.remoteTag = remoteTag
    }

    /// The dialog a received in-dialog request belongs to: local tag from To, remote tag from From (§12.2.2).
    /// Nil when the request has no Call-ID or no To tag (it is not in a dialog).
    public static func ofReceivedRequest(_ request: SIPMessage) -> DialogID? {
        guard let callID = request.callID, let local = request.to?.tag else { return nil }
        return DialogID(callID: callID, localTag: local, remoteTag: request.from?.tag ?? ByteString([UInt8]()))
    }

    /// The dialog a received response belongs to: local tag from From, remote tag from To (§12.1.2). Nil without
    /// a Call-ID, a From tag or a To tag.
    public static func ofReceivedResponse(_ response: SIPMessage) -> DialogID? {
        guard let callID = response.callID, let local = response.from?.tag, let remote = response.to?.tag else {
            return nil
        }
        return DialogID(callID: callID, localTag: local, remoteTag: remote)
    }

    /// A copy that owns its bytes, so keeping it does not keep a whole message alive.
    var owned: DialogID {
        DialogID(callID: callID.owned, localTag: localTag.owned, remoteTag: remoteTag.owned)
    }

    public var description: String { "\(callID) local=\(localTag) remote=\(remoteTag)" }
}
