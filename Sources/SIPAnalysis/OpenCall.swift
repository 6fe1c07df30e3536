import SIPCore

/// A call still being read: its record so far, and what the analysis needs until it ends (the requests its
/// transactions answer, the responses already seen). Dropped when the call is reported.
struct OpenCall {
    struct TransactionKey: Hashable {
        let branch: String
        let method: SIPMethod
    }

    struct ResponseKey: Hashable {
        let code: Int
        let toTag: String
    }

    struct OpenTransaction {
        var record: TransactionRecord
        /// The request, for the checks of its responses (RFC 3261 §8.2.6.2); released once the call is done.
        var request: SIPMessage?
        var lastRequestAt: UInt64
        var responses: Set<ResponseKey> = []
        var earlierToTag: ByteString?
        var provisionalSeen = false
        /// For an INVITE answered with 300–699: the ACK that ends it (§17.1.1.3) was seen.
        var acknowledged = false
    }

    var record: CallRecord
    let startedAt: UInt64
    var lastAt: UInt64
    var transactions: [TransactionKey: OpenTransaction] = [:]
    var order: [TransactionKey] = []
    /// The call's first INVITE transaction, whose answer decides the call.
    var initialInvite: TransactionKey?
    /// The ACKs for 2xx seen, by branch: one sent again is a retransmission.
    var ackBranches: Set<String> = []
    /// When the call was seen to end; it is reported a linger later, so late retransmissions still join it.
    var doneAt: UInt64?

    init(callID: String, kind: String, packet: Int, at time: UInt64, ladder: Bool) {
        startedAt = time
        lastAt = time
        record = CallRecord(callID: callID, kind: kind, firstPacket: packet, start: Double(time) / 1e9, durationMs: 0,
                            parties: [], messages: 0, retransmissions: 0, finalCode: nil, answered: false,
                            sessionRequestDelayMs: nil, ending: "open", transactions: [], findings: [],
                            ladder: ladder ? [] : nil)
    }

    func milliseconds(_ time: UInt64) -> Double { Double(time &- startedAt) / 1e6 }

    mutating func noteParty(_ address: String) {
        if !record.parties.contains(address) { record.parties.append(address) }
    }

    /// True when the call has ended in what was seen: an INVITE call when its BYE is answered or its failed INVITE
    /// acknowledged; any other when each transaction has its final response.
    var isDone: Bool {
        if record.kind == "invite" {
            if let key = initialInvite, let invite = transactions[key], let code = invite.record.finalCode,
               code >= 300, invite.acknowledged { return true }
            return transactions.contains { $0.key.method == .bye && $0.value.record.finalCode != nil }
        }
        return !transactions.isEmpty && transactions.values.allSatisfy { $0.record.finalCode != nil }
    }

    /// The record as reported, with its transactions in the order they started.
    func finished(ending: String) -> CallRecord {
        var out = record
        out.ending = ending
        out.durationMs = milliseconds(lastAt)
        out.transactions = order.compactMap { transactions[$0]?.record }
        return out
    }
}

extension TransactionRecord {
    /// RFC 3261 §17.1.1.2 and §17.1.2.2: each interval twice the one before (T1, 2·T1, 4·T1, …); a non-INVITE
    /// request at most T2 (4 s) apart, and T2 apart once a provisional response came. Within a quarter, or 20 ms.
    static func follows(_ interval: Double, previous: Double, method: SIPMethod, afterProvisional: Bool) -> Bool {
        let t2 = 4_000.0
        let expected = method == .invite ? previous * 2 : (afterProvisional ? t2 : min(previous * 2, t2))
        return abs(interval - expected) <= max(expected * 0.25, 20)
    }
}
