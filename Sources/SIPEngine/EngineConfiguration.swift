import NIOCore
import SIPFlow
import SIPTransaction
import SIPTransport

/// Everything a run needs, built by the CLI from its options.
public struct EngineConfiguration: Sendable {
    /// Which side of the flow this process plays.
    public enum Role: String, Sendable {
        /// Sends the first request and starts calls at the configured rate (`sipflow run`).
        case initiator
        /// Answers calls as they arrive (`sipflow serve`).
        case responder
    }

    /// What a conformance error in a received message does to its call.
    public enum ConformanceMode: String, Sendable, CaseIterable {
        /// Fails the call (reason `conformance-error`) and counts the finding.
        case error
        /// Counts the finding only.
        case warn
        /// Skips the checks (fastest).
        case off
    }

    public var role: Role
    public var flowName: String
    public var program: PartyProgram
    /// Where initial requests go (initiator). The responder answers whoever calls.
    public var target: SocketAddress?
    /// The Request-URI (and To URI) of initial requests, e.g. `sip:service@192.0.2.5:5060`.
    public var requestURI: String
    /// The address to bind. Port 0 picks free ports; with several threads the initiator binds one port per thread
    /// (consecutive from the given port when it is not 0), the responder shares the port with SO_REUSEPORT.
    public var bindAddress: SocketAddress
    /// The host written in Via and Contact; defaults to the bound IP.
    public var advertisedHost: String?
    /// The user part of the From URI of initial requests.
    public var localUser: String = "sipflow"
    public var rate: RateController?
    public var maxConcurrent: Int = 100_000
    public var threads: Int = 1
    public var transactions: TransactionConfiguration = .default
    public var conformance: ConformanceMode = .warn
    /// The timeout of an expectation that sets none (default 64·T1); the peer's pauses before the step are added.
    public var defaultTimeout: Duration?
    public var data: CallData?
    public var tap: (any SIPTap)?
    /// How the responder answers an out-of-dialog OPTIONS it has no flow step for: a status code, or nil to stay
    /// silent (to test monitors against a dead backend).
    public var optionsStatus: Int? = 200
    /// Percent of outgoing datagrams dropped on purpose, to test through loss (`--lose`).
    public var lossPercent: Double = 0
    /// SO_RCVBUF/SO_SNDBUF for each socket.
    public var socketBufferSize: Int = 4 << 20
    /// How often a busy shard reads its socket, starts due calls and runs its timers (`--batch`). Datagrams that
    /// arrive while a shard is busy wait for the next batch, at most this long, and are then handled together, their
    /// answers sent in one system call; an idle shard handles a datagram as soon as it arrives. Zero handles every
    /// datagram as it arrives (lowest latency, most CPU at high rates).
    public var batchInterval: Duration = EngineConfiguration.defaultBatchInterval
    public static let defaultBatchInterval = Duration.microseconds(500)

    public init(role: Role, flowName: String, program: PartyProgram, target: SocketAddress?, requestURI: String,
                bindAddress: SocketAddress) {
        self.role = role
        self.flowName = flowName
        self.program = program
        self.target = target
        self.requestURI = requestURI
        self.bindAddress = bindAddress
    }

    /// The timeout of an expectation that sets none, before the peer's pauses ahead of it are added: 64·T1.
    public var effectiveDefaultTimeout: Duration {
        defaultTimeout ?? transactions.t1Times64
    }
}

/// Per-call values from a CSV file (`--data users.csv`): a header row names the columns, each later row is one
/// call's values, taken in order (wrapping around) or at random.
public struct CallData: Sendable {
    public enum Order: String, Sendable, CaseIterable { case sequential, random }

    public let columns: [String]
    public let rows: [[String]]
    public let order: Order

    public init(columns: [String], rows: [[String]], order: Order) {
        self.columns = columns
        self.rows = rows
        self.order = order
    }

    /// The row for call number `n` (0-based).
    public func row(forCall n: Int) -> [String] {
        guard !rows.isEmpty else { return [] }
        switch order {
        case .sequential: return rows[n % rows.count]
        case .random: return rows[Int.random(in: 0..<rows.count)]
        }
    }

    public func value(_ column: String, in row: [String]) -> String? {
        guard let i = columns.firstIndex(of: column), i < row.count else { return nil }
        return row[i]
    }
}
