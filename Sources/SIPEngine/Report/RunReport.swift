import Foundation

/// The `--report run.json` file, schema version 1, documented field by field in `docs/report.md`.
///
/// Every field is always written; a value that is unknown is `null`, never a missing key. Latencies are
/// milliseconds, rates calls per second, ratios percent.
public struct RunReport: Codable, Sendable, Equatable {
    public static let schemaVersion = 1

    public var schemaVersion: Int
    public var tool: Tool
    public var run: Run
    public var totals: Totals
    /// Failed calls by `FailureReason` raw value; reasons with no failures are left out.
    public var failures: [String: UInt64]
    /// The first failure of each reason, in one sentence, by `FailureReason` raw value.
    public var failureExamples: [String: String]
    /// By `LatencyMetric` raw value; metrics without samples are left out.
    public var latency: [String: Latency]
    /// Null when no INVITE was answered.
    @ExplicitNull public var rfc6076: RFC6076? = nil
    public var conformance: [Finding]
    /// Datagrams that did not parse as SIP: how many, and the first few with their source, error and first bytes.
    public var unparsed: Unparsed
    @ExplicitNull public var memoryPerDialogBytes: Int? = nil
    public var thresholds: [ThresholdEntry]
    public var verdict: Verdict
    public var exitCode: Int32
    public var timeline: [TimelineRow]

    public struct Tool: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
    }

    public struct Run: Codable, Sendable, Equatable {
        public var flow: String
        public var role: RunParameters.Role
        public var target: String
        public var startedAt: Date
        /// From the start to the end, including the wait for the last calls.
        public var durationSeconds: Double
        /// The schedule's duration, if one was set.
        @ExplicitNull public var scheduledDurationSeconds: Double? = nil
        /// Null when sipflow only answered calls.
        @ExplicitNull public var rate: Rate? = nil
        @ExplicitNull public var callsLimit: Int? = nil
    }

    /// A constant rate has `from == to == target` and `rampSeconds == 0`.
    public struct Rate: Codable, Sendable, Equatable {
        /// The rate held after the ramp.
        public var target: Double
        public var from: Double
        public var to: Double
        public var rampSeconds: Double
    }

    public struct Unparsed: Codable, Sendable, Equatable {
        public var count: UInt64
        public var examples: [CallStatistics.UnparsedDatagram]
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var started: UInt64
        public var completed: UInt64
        public var failed: UInt64
        public var failedPercent: Double
        public var retransmissions: UInt64
        public var messagesSent: UInt64
        public var messagesReceived: UInt64
        /// Calls started per second over `rateWindowSeconds`.
        public var achievedRate: Double
        public var rateWindowSeconds: Double
    }

    public struct Latency: Codable, Sendable, Equatable {
        public var count: UInt64
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
        public var mean: Double
    }

    /// RFC 6076 §4.3, §4.4, §4.6 and §4.7 figures over the whole run.
    public struct RFC6076: Codable, Sendable, Equatable {
        /// Mean session request delay (the `srd` metric).
        @ExplicitNull public var srdMs: Double? = nil
        /// Mean session disconnect delay (the `bye` metric).
        @ExplicitNull public var sddMs: Double? = nil
        /// Session establishment ratio, percent.
        @ExplicitNull public var ser: Double? = nil
        /// Session establishment effectiveness ratio, percent.
        @ExplicitNull public var seer: Double? = nil
        /// Final responses to INVITE by status code.
        public var inviteFinals: [String: UInt64]
    }

    public struct Finding: Codable, Sendable, Equatable {
        public var rule: String
        public var severity: String
        public var count: UInt64
        /// The first message that broke the rule, as received.
        public var firstExample: String
    }

    public struct ThresholdEntry: Codable, Sendable, Equatable {
        /// The condition as written on the command line.
        public var condition: String
        /// In `unit`; null when there was nothing to measure.
        @ExplicitNull public var measured: Double? = nil
        public var limit: Double
        public var unit: ThresholdResult.Unit
        public var crossed: Bool
    }
}

/// Encodes nil as an explicit `null` instead of leaving the key out, so every report has the same keys.
@propertyWrapper
public struct ExplicitNull<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}
