/// What a whole capture held: packets, SIP messages, calls, response codes, delays, findings and what was skipped.
public struct AnalysisSummary: Sendable, Codable, Equatable {
    /// Packets read from the capture(s).
    public var packets = 0
    /// UDP datagrams and TCP stream pieces decoded from them.
    public var payloads = 0
    public var sipMessages = 0
    public var requests = 0
    public var responses = 0
    /// Payloads that are not SIP (other UDP traffic: DNS, RTP, …), and RFC 5626 keep-alives.
    public var notSIP = 0
    public var keepAlives = 0
    /// TCP segments with no payload (SYN, ACK, FIN alone): counted, not skipped.
    public var tcpWithoutPayload = 0
    /// Payloads that looked like SIP but could not be parsed or framed (each also a finding).
    public var malformedSIP = 0
    /// Packets that gave nothing, by reason (`PacketSkip` codes), and the first few with their packet numbers.
    public var skipped: [String: Int] = [:]
    public var firstSkipped: [SkippedPacket] = []
    /// Calls (Call-IDs) by the method of their first request: `invite`, `register`, `options`, ….
    public var calls: [String: Int] = [:]
    public var invite = InviteSummary()
    /// REGISTER and OPTIONS transactions, counted apart from calls: final status code → count.
    public var register = TransactionSummary()
    public var options = TransactionSummary()
    /// Every response but retransmissions: status code → count.
    public var responseCodes: [String: Int] = [:]
    public var retransmissions = RetransmissionSummary()
    /// Findings by rule ID, and by severity.
    public var findings: [String: Int] = [:]
    public var findingsBySeverity: [String: Int] = [:]

    public init() {}

    /// The INVITE calls: how many were answered, how the others ended, and how long the answers took.
    public struct InviteSummary: Sendable, Codable, Equatable {
        public var calls = 0
        public var answered = 0
        /// Answered calls out of the calls that got a final response (0 when none did).
        public var answerRatio = 0.0
        /// Final status code of each call's first INVITE → count.
        public var finalCodes: [String: Int] = [:]
        /// INVITE calls still without a final response when the capture ended.
        public var unanswered = 0
        /// RFC 6076 §4.2 session request delay, in milliseconds.
        public var sessionRequestDelayMs = Percentiles()
        public init() {}
    }

    public struct TransactionSummary: Sendable, Codable, Equatable {
        public var transactions = 0
        public var finalCodes: [String: Int] = [:]
        public var unanswered = 0
        public init() {}
    }

    public struct RetransmissionSummary: Sendable, Codable, Equatable {
        public var requests = 0
        public var responses = 0
        /// Transactions whose request was sent again, and those whose intervals did not double (T1, 2·T1, …).
        public var transactionsRetransmitted = 0
        public var intervalsNotDoubling = 0
        public init() {}
    }

    public struct SkippedPacket: Sendable, Codable, Equatable {
        public let packet: Int
        public let reason: String
        public let detail: String
    }
}

/// Percentiles of a set of durations, in milliseconds (nearest rank); zero when the set is empty.
public struct Percentiles: Sendable, Codable, Equatable {
    public var count = 0
    public var p50 = 0.0
    public var p90 = 0.0
    public var p99 = 0.0
    public var max = 0.0

    public init() {}

    public init(_ values: [Double]) {
        guard !values.isEmpty else { return }
        let sorted = values.sorted()
        func rank(_ p: Double) -> Double { sorted[Swift.max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
        count = sorted.count
        p50 = rank(0.5)
        p90 = rank(0.9)
        p99 = rank(0.99)
        max = sorted[sorted.count - 1]
    }
}
