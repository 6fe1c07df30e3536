/// One call as the analysis reports it: the messages sharing a Call-ID (RFC 3261 §8.1.1.4), their transactions and
/// what was found wrong in them. Times are milliseconds from the call's first message.
public struct CallRecord: Sendable, Codable, Equatable {
    /// The Call-ID.
    public let callID: String
    /// The method of the call's first request, lower case: `invite`, `register`, `options`, ….
    public let kind: String
    /// The capture packet number of the call's first message.
    public let firstPacket: Int
    /// The first message's time: seconds since the Unix epoch.
    public let start: Double
    /// From the first message to the last, in milliseconds.
    public var durationMs: Double
    /// The addresses taking part ("127.0.0.1:5060", "[::1]:5060"), in the order they appear.
    public var parties: [String]
    /// Messages seen, retransmissions included.
    public var messages: Int
    /// Messages that repeat an earlier one of the same transaction (requests, and responses a UAS sent again).
    public var retransmissions: Int
    /// The final status code to the call's first request, if one came.
    public var finalCode: Int?
    /// An INVITE call answered with 2xx.
    public var answered: Bool
    /// RFC 6076 §4.2 session request delay: from the first INVITE to its first response other than 100 (a
    /// provisional or the final), in milliseconds. INVITE calls only.
    public var sessionRequestDelayMs: Double?
    /// How the call ended in the capture: `completed` (BYE answered, a failed INVITE acknowledged, every non-INVITE
    /// transaction answered), `open` (still going when the capture ended) or `idle` (silent for too long).
    public var ending: String
    public var transactions: [TransactionRecord]
    /// Every finding on the call's messages (retransmissions are not checked again).
    public var findings: [FindingRecord]
    /// The messages one by one (present when a ladder was asked for).
    public var ladder: [MessageRecord]?
}

/// One transaction of a call (RFC 3261 §17): a request, the responses to it, and their timing.
public struct TransactionRecord: Sendable, Codable, Equatable {
    public let method: String
    public let cseq: UInt32
    /// The top Via's branch parameter, which names the transaction (§17.1.3).
    public let branch: String
    public let requestPacket: Int
    /// When the request was first sent, in milliseconds from the call's first message.
    public let startMs: Double
    /// Request to its first provisional response, in milliseconds.
    public var firstProvisionalMs: Double?
    /// Request to its final response, in milliseconds.
    public var finalMs: Double?
    public var finalCode: Int?
    /// Times the request was sent again.
    public var requestRetransmissions: Int
    /// Milliseconds between successive copies of the request (the first is the implied T1).
    public var retransmissionIntervalsMs: [Double]
    /// Whether those intervals double, as Timers A and E do (§17.1.1.2, §17.1.2.2: capped at T2 = 4 s for
    /// non-INVITE); nil with fewer than two intervals.
    public var intervalsDouble: Bool?
    /// Times a response was sent again (a 2xx the UAS retransmits until the ACK, §13.3.1.4; a final answering a
    /// retransmitted request).
    public var responseRetransmissions: Int
}

/// One finding on one message: the rule, where, and what.
public struct FindingRecord: Sendable, Codable, Equatable {
    public let rule: String
    public let severity: String
    public let packet: Int
    public let message: String
}

/// One message of a call's ladder.
public struct MessageRecord: Sendable, Codable, Equatable {
    public let packet: Int
    /// Milliseconds from the call's first message.
    public let timeMs: Double
    public let transport: String
    public let source: String
    public let destination: String
    /// The start line without its version: `INVITE sip:bob@example.com` or `180 Ringing`.
    public let label: String
    public let retransmission: Bool
    /// The IDs of the rules this message breaks.
    public let findings: [String]
}
