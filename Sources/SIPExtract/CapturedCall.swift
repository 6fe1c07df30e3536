import SIPAnalysis
import SIPCore

/// The messages of one call as a capture holds them, in capture order, retransmissions marked.
public struct CapturedCall {
    public let callID: String
    public internal(set) var messages: [ObservedMessage] = []

    /// The messages one hop carried: those between `a` and `b`, either way.
    public func messages(between a: String, and b: String) -> [ObservedMessage] {
        messages.filter { ($0.source == a && $0.destination == b) || ($0.source == b && $0.destination == a) }
    }

    /// The method of the call's first message when it is a request; nil when the capture starts mid-call.
    public var firstRequest: ObservedMessage? { messages.first.flatMap { $0.message.isRequest ? $0 : nil } }
}

/// Collects calls from a capture read through `CaptureAnalyzer`, holding only the calls it may extract: those
/// named, or the first `limit` calls seen.
public final class CallCollector {
    public let wanted: Set<String>
    public let limit: Int
    public private(set) var calls: [CapturedCall] = []
    private var index: [String: Int] = [:]
    /// SIP messages seen in the capture at all (of any call).
    public private(set) var sipMessages = 0

    public init(callIDs: Set<String> = [], limit: Int = 64) {
        wanted = callIDs
        self.limit = limit
    }

    public func observe(_ m: ObservedMessage) {
        sipMessages += 1
        if let i = index[m.callID] {
            calls[i].messages.append(m)
            return
        }
        guard wanted.isEmpty ? calls.count < limit : wanted.contains(m.callID) else { return }
        index[m.callID] = calls.count
        calls.append(CapturedCall(callID: m.callID, messages: [m]))
    }

    /// The call to extract: the one named, else the first that starts with an INVITE, else the first that starts
    /// with a request.
    public func chosen() -> CapturedCall? {
        if let id = wanted.first { return calls.first { $0.callID == id } }
        return calls.first { $0.firstRequest?.message.method == .invite } ?? calls.first { $0.firstRequest != nil }
    }
}
