import SIPCore

/// The dialog state of RFC 3261 §12 held by one UA, as a value.
///
/// Created by the UAC from its request and a 2xx (or a 1xx with a To tag: an early dialog), or by the UAS from the
/// request and the To tag it answers with. It builds in-dialog requests (§12.2.1.1), the 2xx ACK (§13.2.2.4) and
/// checks incoming requests' CSeq order (§12.2.2). Display names of From/To are not kept: in-dialog requests use
/// `<URI>;tag=…`.
public struct Dialog: Sendable, Hashable {
    public enum State: Sendable, Hashable { case early, confirmed }
    public enum Role: Sendable, Hashable { case uac, uas }

    public let id: DialogID
    public let role: Role
    public private(set) var state: State
    /// The URI of our From in requests we send (§12.1.1, §12.1.2).
    public let localURI: String
    /// The URI of our To in requests we send.
    public let remoteURI: String
    /// The CSeq number of the last request we sent; nil until the UAS sends one (§12.1.1).
    public internal(set) var localSequence: UInt32?
    /// The highest CSeq number received from the peer; nil until the UAC receives a request (§12.1.2).
    public private(set) var remoteSequence: UInt32?
    /// Where in-dialog requests go: the peer's Contact URI, updated by target refreshes (§12.2).
    public private(set) var remoteTarget: String
    /// Route set in the order our requests carry it: Record-Route reversed for the UAC, in order for the UAS.
    public private(set) var routeSet: [String]
    /// True when the dialog was set up over TLS with a SIPS Request-URI (§12.1.1).
    public let secure: Bool

    // MARK: Creation

    /// The UAC's dialog from the request it sent and a response carrying a To tag: a 2xx gives a confirmed
    /// dialog, a 101–199 an early one (§12.1.2). Without a Contact the remote target falls back to the
    /// Request-URI.
    public static func uac(request: SIPMessage, response: SIPMessage, overTLS: Bool = false) throws(TransactionError) -> Dialog {
        var unpooled = StringPool(limit: 0)
        return try uac(request: request, response: response, pool: &unpooled, overTLS: overTLS)
    }

    /// `uac(request:response:overTLS:)` sharing storage: `callID` (the request's, already owned by the caller), the
    /// tags of `earlier` where they are the same (the early dialog a 2xx confirms), and the URIs and route set from
    /// `pool`, so a UA holding many dialogs alike pays for little more than each one's tags, and a URI already pooled
    /// is not made into a string again.
    public static func uac(request: SIPMessage, response: SIPMessage, callID shared: ByteString? = nil,
                           sharingTagsOf earlier: DialogID? = nil, pool: inout StringPool,
                           overTLS: Bool = false) throws(TransactionError) -> Dialog {
        guard let code = response.statusCode, (101..<300).contains(code) else {
            throw TransactionError("only a 101–299 response creates a dialog")
        }
        guard let callID = request.callID, let from = request.from, let localTag = from.tag, let to = request.to,
              let cseq = request.cseq, let requestURI = request.requestURI else {
            throw TransactionError("the request lacks Call-ID, From with a tag, To, CSeq or Request-URI")
        }
        assert(shared == nil || shared == callID, "sharing another Call-ID")
        guard let remoteTag = response.addedToTag(answering: request)?.tag ?? response.to?.tag else {
            throw TransactionError("the response has no To tag")
        }
        let target = try contactURI(of: response, pool: &pool) ?? pool.shared(requestURI)
        return Dialog(
            id: DialogID(callID: shared ?? callID.owned,
                         localTag: earlier.map(\.localTag) == localTag ? earlier!.localTag : localTag.owned,
                         remoteTag: earlier.map(\.remoteTag) == remoteTag ? earlier!.remoteTag : remoteTag.owned),
            role: .uac, state: code < 200 ? .early : .confirmed, localURI: pool.shared(from.uri),
            remoteURI: pool.shared(to.uri), localSequence: cseq.sequenceNumber, remoteSequence: nil,
            remoteTarget: target, routeSet: pool.shared(routes: response.values(.recordRoute).reversed()),
            secure: overTLS && requestURI.hasPrefix("sips:"))
    }

    /// The UAC's confirmed dialog from a 2xx alone, for a UAC that no longer holds the INVITE it answers: a 2xx
    /// from another fork, or one that came after the call gave up (RFC 3261 §13.2.2.4 wants each acknowledged, and
    /// the dialog it made ended). The response copies the request's From, Call-ID and CSeq (§8.2.6.2), so it
    /// holds all §12.1.2 needs; without a Contact the remote target falls back to the To URI.
    public static func uac(answeredBy response: SIPMessage) throws(TransactionError) -> Dialog {
        guard let code = response.statusCode, (200..<300).contains(code) else {
            throw TransactionError("only a 2xx alone creates a dialog")
        }
        guard let callID = response.callID, let from = response.from, let localTag = from.tag, let to = response.to,
              let remoteTag = to.tag, let cseq = response.cseq else {
            throw TransactionError("the response lacks Call-ID, From with a tag, To with a tag or CSeq")
        }
        var unpooled = StringPool(limit: 0)
        let target = try contactURI(of: response, pool: &unpooled) ?? to.uri.string
        return Dialog(
            id: DialogID(callID: callID.owned, localTag: localTag.owned, remoteTag: remoteTag.owned),
            role: .uac, state: .confirmed, localURI: from.uri.string, remoteURI: to.uri.string,
            localSequence: cseq.sequenceNumber, remoteSequence: nil, remoteTarget: target,
            routeSet: response.values(.recordRoute).reversed().map(\.string), secure: false)
    }

    /// The UAS's dialog from the request it received and the To tag it answers with (§12.1.1). Use `.early` when
    /// answering with a 1xx, then `confirm()` on the 2xx.
    public static func uas(request: SIPMessage, localTag: String, state: State = .confirmed,
                           overTLS: Bool = false) throws(TransactionError) -> Dialog {
        var unpooled = StringPool(limit: 0)
        return try uas(request: request, localTag: localTag, state: state, pool: &unpooled, overTLS: overTLS)
    }

    /// `uas(request:localTag:state:overTLS:)` sharing storage as `uac(request:response:callID:pool:overTLS:)` does.
    public static func uas(request: SIPMessage, localTag: String, state: State = .confirmed, callID shared: ByteString? = nil,
                           pool: inout StringPool, overTLS: Bool = false) throws(TransactionError) -> Dialog {
        guard let callID = request.callID, let from = request.from, let to = request.to, let cseq = request.cseq,
              let requestURI = request.requestURI else {
            throw TransactionError("the request lacks Call-ID, From, To, CSeq or Request-URI")
        }
        assert(shared == nil || shared == callID, "sharing another Call-ID")
        guard let target = try contactURI(of: request, pool: &pool) else { throw TransactionError("the request has no Contact") }
        return Dialog(
            id: DialogID(callID: shared ?? callID.owned, localTag: ByteString(localTag),
                         remoteTag: from.tag?.owned ?? ByteString([UInt8]())),
            role: .uas, state: state, localURI: pool.shared(to.uri), remoteURI: pool.shared(from.uri),
            localSequence: nil, remoteSequence: cseq.sequenceNumber, remoteTarget: target,
            routeSet: pool.shared(routes: request.values(.recordRoute)), secure: overTLS && requestURI.hasPrefix("sips:"))
    }

    init(id: DialogID, role: Role, state: State, localURI: String, remoteURI: String, localSequence: UInt32?,
         remoteSequence: UInt32?, remoteTarget: String, routeSet: [String], secure: Bool) {
        self.id = id
        self.role = role
        self.state = state
        self.localURI = localURI
        self.remoteURI = remoteURI
        self.localSequence = localSequence
        self.remoteSequence = remoteSequence
        self.remoteTarget = remoteTarget
        self.routeSet = routeSet
        self.secure = secure
    }

    static func contactURI(of m: SIPMessage) throws(TransactionError) -> String? {
        var unpooled = StringPool(limit: 0)
        return try contactURI(of: m, pool: &unpooled)
    }

    static func contactURI(of m: SIPMessage, pool: inout StringPool) throws(TransactionError) -> String? {
        guard let v = m.firstElement(.contact) else { return nil }  // without an array of them all
        if let uri = pool.contactURI(v) { return uri }
        do {
            let uri = pool.shared(try NameAddress.parse(v).uri)
            pool.rememberContact(v, uri: uri)
            return uri
        } catch { throw TransactionError("the Contact does not parse: \(error)") }
    }

    // MARK: Updates

    /// The UAS sent its 2xx: the early dialog is confirmed.
    public mutating func confirm() { state = .confirmed }

    /// This dialog, made from a 2xx, confirms `early` when both have the same ID (RFC 3261 §13.2.2.4): it goes on
    /// from the CSeq numbers the early dialog reached, since requests sent and received in it (an UPDATE, a PRACK)
    /// used them (§12.2.1.1, §12.2.2). Another early dialog (another fork) is left as it is.
    public mutating func continueSequences(of early: Dialog) {
        guard early.id == id else { return }
        if let n = early.localSequence, n > localSequence ?? 0 { localSequence = n }
        if let n = early.remoteSequence, n > remoteSequence ?? 0 { remoteSequence = n }
    }

    /// What to do with a request received in this dialog.
    public enum RequestVerdict: Sendable, Hashable {
        case accept
        /// Answer with this status and no further processing (§12.2.2: a lower CSeq gets 500).
        case reject(statusCode: Int, reason: String)
    }

    /// Checks and records a request received in this dialog (§12.2.2): a CSeq lower than the remote sequence
    /// number is rejected with 500; otherwise the number is recorded and a target refresh's Contact becomes the
    /// remote target. ACK and CANCEL reuse their INVITE's number and are not checked.
    public mutating func receivedRequest(_ request: SIPMessage) -> RequestVerdict {
        guard let method = request.method, let cseq = request.cseq else {
            return .reject(statusCode: 400, reason: "Missing CSeq")
        }
        if method == .ack || method == .cancel { return .accept }
        if let remote = remoteSequence, cseq.sequenceNumber < remote {
            return .reject(statusCode: 500, reason: "Server Internal Error")
        }
        remoteSequence = cseq.sequenceNumber
        if method.isTargetRefresh, let target = try? Self.contactURI(of: request) { remoteTarget = target }
        return .accept
    }

    /// Records a response the UAC received to a request it sent in (or to create) this dialog.
    ///
    /// A 2xx to a target refresh replaces the remote target with its Contact (§12.2.1.2). A 2xx to the INVITE of
    /// an early dialog confirms it and recomputes the route set from its Record-Route (§13.2.2.4).
    public mutating func receivedResponse(_ response: SIPMessage) {
        guard let code = response.statusCode, (200..<300).contains(code), let method = response.cseq?.method else { return }
        if state == .early, method == .invite, role == .uac {
            state = .confirmed
            routeSet = response.values(.recordRoute).reversed().map(\.string)
        }
        if method.isTargetRefresh, let target = try? Self.contactURI(of: response) { remoteTarget = target }
    }
}

extension SIPMethod {
    /// Methods whose Contact replaces the remote target (RFC 3261 §12.2; UPDATE RFC 3311; SUBSCRIBE/NOTIFY
    /// RFC 6665 §4.1.2.1, §4.2.1.1).
    public var isTargetRefresh: Bool { self == .invite || self == .update || self == .subscribe || self == .notify }
}
