import SIPCore

/// How a response finds the client transaction it answers (RFC 3261 §17.1.3): by the branch of its top Via and
/// the method of its CSeq. A response that matches none is dropped by a conforming UAC (§18.1.2); the call then
/// fails only when its timer runs out, so the finding says what the peer got wrong.
public enum MatchingRules {
    /// RFC 3261 §17.1.3: the top Via branch and the CSeq method of a response are the request's.
    static let responseMatchesTransaction = Rule(
        "rfc3261.17.1.3.response-matches-transaction", .error, "RFC 3261 §17.1.3, §8.2.6.2",
        "A response matches a client transaction of the UAC: its top Via branch and sent-by, its CSeq number and method are the request's.",
        scope: .transaction)

    static let all: [Rule] = [responseMatchesTransaction]

    /// A client transaction a stray response is compared with.
    public struct Candidate: Sendable, Hashable {
        public let method: SIPMethod
        public let sequence: UInt32?
        public let branch: ByteString?

        public init(method: SIPMethod, sequence: UInt32?, branch: ByteString?) {
            self.method = method
            self.sequence = sequence
            self.branch = branch
        }
    }

    /// The finding for `response`, which matched none of `candidates` (the UAC's transactions in the call its
    /// Call-ID names): which one it came closest to, and each of branch, CSeq number, CSeq method and sent-by that
    /// differed, with both values. `sentBy` is the UAC's own Via sent-by.
    public static func unmatched(_ response: SIPMessage, candidates: [Candidate], sentBy: String) -> Finding {
        let via = response.topVia
        let branch = via?.branch
        let cseq = response.cseq
        let what = "the \(response.statusCode.map(String.init) ?? "?") (CSeq \(cseq.map { "\($0.sequenceNumber) \($0.method)" } ?? "missing"))"
        guard let closest = candidates.max(by: { score($0, branch, cseq) < score($1, branch, cseq) }) else {
            return Finding(responseMatchesTransaction, header: "Via", "\(what) matches no transaction: the call has none")
        }
        var differences: [String] = []
        if closest.branch != branch {
            differences.append("branch '\(branch?.string ?? "none")' is not '\(closest.branch?.string ?? "none")'")
        }
        if let cseq {
            if let sequence = closest.sequence, cseq.sequenceNumber != sequence {
                differences.append("CSeq number \(cseq.sequenceNumber) is not \(sequence)")
            }
            if cseq.method != closest.method { differences.append("CSeq method \(cseq.method) is not \(closest.method)") }
        } else {
            differences.append("it has no CSeq")
        }
        if let via, via.sentBy != sentBy { differences.append("sent-by '\(via.sentBy)' is not '\(sentBy)'") }
        let header = closest.branch != branch || via.map { $0.sentBy != sentBy } == true ? "Via" : "CSeq"
        return Finding(responseMatchesTransaction, header: header,
                       "\(what) matches no transaction; closest is the \(closest.method)"
                       + (closest.sequence.map { " (CSeq \($0))" } ?? "") + ": " + differences.joined(separator: ", "))
    }

    /// How many of branch, CSeq number and CSeq method `candidate` shares with the response.
    private static func score(_ candidate: Candidate, _ branch: ByteString?, _ cseq: CSeq?) -> Int {
        var n = 0
        if candidate.branch == branch { n += 2 }  // the branch names the transaction; the rest only narrow it
        if let cseq, candidate.sequence == cseq.sequenceNumber { n += 1 }
        if let cseq, candidate.method == cseq.method { n += 1 }
        return n
    }
}
