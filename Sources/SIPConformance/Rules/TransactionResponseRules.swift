import SIPCore

/// What the responses of one client transaction must have in common: one final response from each UAS, and in
/// each dialog they establish, the same Record-Route (RFC 3261 §12.1.1, §16.7, §17.2.1). Other differences between
/// them are allowed: another To tag is another fork's dialog (§12.2.1.2: a 2xx may bring its own Contact and
/// route set), and a 2xx may follow a non-2xx final from another fork (§16.7 step 5 forwards it at once).
public enum TransactionResponseRules {
    /// RFC 3261 §17.2.1, §16.7: a server transaction sends one final response.
    static let oneFinalResponse = Rule(
        "rfc3261.17.2.1.one-final-response", .error, "RFC 3261 §17.2.1, §16.7",
        "A transaction gets one final response from each UAS: after a final, the only other finals are copies of it or 2xx with another To tag (another fork).",
        scope: .transaction)
    /// RFC 3261 §12.1.1: the UAS copies the request's Record-Route into every response that establishes a dialog.
    static let recordRouteStable = Rule(
        "rfc3261.12.1.1.record-route-stable", .warning, "RFC 3261 §12.1.1",
        "The responses that establish one dialog (same To tag) carry the same Record-Route: the UAS copies the request's into each.",
        scope: .transaction)

    static let all: [Rule] = [oneFinalResponse, recordRouteStable]

    /// The finding for a non-2xx final to an INVITE after the UAC acknowledged its 2xx (the transaction has then
    /// ended, and its memory with it).
    public static func finalAfterAcknowledged(_ response: SIPMessage) -> Finding {
        Finding(oneFinalResponse, header: "To",
                "a \(response.statusCode ?? 0) follows the 2xx the UAC acknowledged (To tag '\(response.to?.tag?.string ?? "none")'): one final response per transaction")
    }

    /// What one transaction's responses so far said, for the checks across them. Small and allocation-free for
    /// the common case (one dialog, no Record-Route): dialogs and routes are kept as hashes, a route's text only
    /// when there is one, for the finding.
    public struct Memory: Sendable {
        private struct Route: Sendable {
            let tag: Int
            let hash: Int
            let text: String?
            let code: Int
        }

        private var finalCode = 0
        private var finalTag = 0
        private var first: Route?
        private var more: [Route] = []

        public init() {}

        /// Checks `response`, a response of a transaction for `method`, against the transaction's earlier ones and
        /// remembers what later ones are checked against.
        ///
        /// Per response and without a parse: the responses of one UAS's dialog carry the same To value (the
        /// request's, with the UAS's tag), so dialogs are told apart by a hash of that value; the tag is read only
        /// for a finding. A To without parameters has no tag (a tag is a parameter, RFC 3261 §20.39).
        public mutating func check(_ response: SIPMessage, method: SIPMethod) -> Finding? {
            guard let code = response.statusCode, code > 100 else { return nil }
            let to = response.firstValue(.to)
            let tag = to.map { $0.bytes.contains(UInt8(ascii: ";")) ? Self.hash($0) : 0 } ?? 0
            func tagText() -> String { response.to?.tag?.string ?? "none" }
            if code >= 200 {
                if finalCode == 0 {
                    finalCode = code
                    finalTag = tag
                } else if !(code == finalCode && tag == finalTag), !((200..<300).contains(code) && tag != finalTag) {
                    let same = tag == finalTag ? "the same To tag" : "another To tag"
                    return Finding(TransactionResponseRules.oneFinalResponse, header: "To",
                                   "a \(code) follows the \(finalCode) with \(same) (To tag '\(tagText())'): one final response per transaction")
                }
            }
            // Only responses that establish a dialog (to an INVITE, with a To tag) carry its route set.
            guard tag != 0, code < 300, method == .invite else { return nil }
            var routes = ""
            var hash = 0
            let values = response.fieldValues(.recordRoute)
            if !values.isEmpty {
                routes = values.map(\.value.string).joined(separator: ", ")
                hash = Self.hash(ByteString(routes))
            }
            if let earlier = first?.tag == tag ? first : more.first(where: { $0.tag == tag }) {
                guard earlier.hash != hash else { return nil }
                return Finding(TransactionResponseRules.recordRouteStable, header: "Record-Route",
                               "the \(code)'s Record-Route '\(routes)' is not the \(earlier.code)'s '\(earlier.text ?? "")' in the same dialog (To tag '\(tagText())')")
            }
            let route = Route(tag: tag, hash: hash, text: hash == 0 ? nil : routes, code: code)
            if first == nil { first = route } else if more.count < 8 { more.append(route) }
            return nil
        }

        private static func hash(_ s: ByteString) -> Int {
            var h = Hasher()
            s.hash(into: &h)
            return h.finalize() | 1  // never 0, which means "none"
        }
    }
}
