import SIPConformance
import SIPCore
import SIPPcap

/// What to analyse and how long to wait for a call's stragglers.
public struct AnalysisOptions: Sendable {
    /// Only these Call-IDs (empty: every call). The summary then counts only their messages.
    public var callIDs: Set<String> = []
    /// Keep every message of each call, for ladders.
    public var ladders = false
    /// How long after its end a call still takes retransmissions before it is reported: 64·T1 (Timer J), 32 s.
    public var linger: Duration = .seconds(32)
    /// A call silent this long is reported as `idle`, so that memory holds only the calls still going.
    public var idle: Duration = .seconds(3600)

    public init() {}
}

/// One SIP message of a capture as the analysis saw it.
public struct ObservedMessage {
    public let callID: String
    public let message: SIPMessage
    public let packet: Int
    /// Nanoseconds since the Unix epoch.
    public let timestamp: UInt64
    public let source: String
    public let destination: String
    public let transport: CaptureTransport
    /// A copy of an earlier message of its transaction.
    public let retransmission: Bool
}

/// Reads a capture's payloads in order and reports its calls as they end, keeping only the calls still open:
/// memory follows the calls in progress, not the capture's size.
///
/// Every message is checked against the rule catalogue — each request alone, each response against the request it
/// answers (`ResponseChecker`) — except retransmissions, which repeat a message already checked.
public struct CaptureAnalyzer {
    public let options: AnalysisOptions
    public private(set) var summary = AnalysisSummary()
    private var extractor = MessageExtractor()
    private var open: [String: OpenCall] = [:]
    /// Calls that ended, in the order they did, with the time each is due to be reported.
    private var lingering: [(due: UInt64, callID: String)] = []
    private var lingeringHead = 0
    private var delays: [Double] = []
    /// The header values already found well formed (the same Contact, To, … in call after call): not checked again.
    private var memo = CheckMemo()
    /// Each address as printed, made once.
    private var addresses: [PacketEndpoint: String] = [:]
    private var now: UInt64 = 0
    private var lastSweep: UInt64 = 0
    private let lingerNs: UInt64
    private let idleNs: UInt64

    /// Sees every SIP message of the calls analysed, whole, in capture order (what `extract` turns into a flow).
    public var observer: ((ObservedMessage) -> Void)?

    /// The calls held now: those in progress, and those lingering after their end.
    public var openCalls: Int { open.count }

    public init(options: AnalysisOptions = .init()) {
        self.options = options
        lingerNs = Self.nanoseconds(options.linger)
        idleNs = Self.nanoseconds(options.idle)
    }

    /// One packet read from the capture and what it decoded to; returns the calls that ended with it.
    public mutating func add(packet results: [DecodeResult]) -> [CallRecord] {
        summary.packets += 1
        return add(results)
    }

    /// Decoder results not tied to a new packet (a decoder's `finish()`); returns the calls that ended.
    public mutating func add(_ results: [DecodeResult]) -> [CallRecord] {
        var ended: [CallRecord] = []
        for result in results {
            switch result {
            case .payload(let payload): ended += add(payload)
            case .skipped(_, .tcpNoPayload, _): summary.tcpWithoutPayload += 1  // SYN, ACK, FIN: not a loss
            case .skipped(let packet, let reason, let detail): skip(packet: packet, reason: reason.rawValue, detail: detail)
            }
        }
        return ended
    }

    /// A packet that gave nothing, and why.
    public mutating func skip(packet: Int, reason: String, detail: String) {
        summary.skipped[reason, default: 0] += 1
        if summary.firstSkipped.count < 10 {
            summary.firstSkipped.append(.init(packet: packet, reason: reason, detail: detail))
        }
    }

    /// One UDP datagram or piece of a TCP stream; returns the calls that ended.
    public mutating func add(_ payload: CapturedPayload) -> [CallRecord] {
        summary.payloads += 1
        now = max(now, payload.timestamp)
        for item in extractor.extract(payload) {
            switch item {
            case .message(let bytes): handle(bytes, payload)
            case .keepAlive: summary.keepAlives += 1
            case .notSIP: summary.notSIP += 1
            case .unframable(let reason):
                summary.malformedSIP += 1
                skip(packet: payload.packetNumber, reason: "unframable-sip", detail: reason)
            }
        }
        return due()
    }

    /// The end of the capture: every call still held, reported.
    public mutating func finish() -> [CallRecord] {
        var ended = due()
        for (callID, call) in open.sorted(by: { $0.value.record.firstPacket < $1.value.record.firstPacket }) {
            ended.append(report(call, ending: call.doneAt == nil ? "open" : "completed"))
            open[callID] = nil
        }
        summary.invite.sessionRequestDelayMs = Percentiles(delays)
        let decided = summary.invite.finalCodes.values.reduce(0, +)
        summary.invite.answerRatio = decided == 0 ? 0 : Double(summary.invite.answered) / Double(decided)
        return ended
    }

    // MARK: - Messages

    private mutating func handle(_ bytes: [UInt8], _ payload: CapturedPayload) {
        let message: SIPMessage
        do {
            message = try SIPMessage(parsing: bytes)
        } catch {
            guard options.callIDs.isEmpty else { return }
            summary.malformedSIP += 1
            count(MessageChecker().findings(for: error))
            return
        }
        let callID = message.callID?.trimmed.string ?? ""
        if !options.callIDs.isEmpty, !options.callIDs.contains(callID) { return }
        summary.sipMessages += 1
        if message.isRequest { summary.requests += 1 } else { summary.responses += 1 }
        let cseq = message.cseq
        var call = open.removeValue(forKey: callID)
            ?? OpenCall(callID: callID, kind: (message.method ?? cseq?.method)?.rawValue.lowercased() ?? "unknown",
                        packet: payload.packetNumber, at: payload.timestamp, ladder: options.ladders)
        let wasDone = call.doneAt != nil
        call.lastAt = max(call.lastAt, payload.timestamp)
        call.record.messages += 1
        let source = address(payload.source), destination = address(payload.destination)
        call.noteParty(source)
        call.noteParty(destination)

        let (retransmission, findings) = message.isRequest
            ? request(message, cseq: cseq, payload, in: &call) : response(message, cseq: cseq, payload, in: &call)
        if retransmission {
            call.record.retransmissions += 1
            if message.isRequest { summary.retransmissions.requests += 1 } else { summary.retransmissions.responses += 1 }
        }
        count(findings)
        observer?(ObservedMessage(callID: callID, message: message, packet: payload.packetNumber, timestamp: payload.timestamp,
                                  source: source, destination: destination, transport: payload.transport,
                                  retransmission: retransmission))
        call.record.findings += findings.map {
            FindingRecord(rule: $0.rule.id, severity: $0.severity.rawValue, packet: payload.packetNumber, message: $0.message)
        }
        let timeMs = call.milliseconds(payload.timestamp)
        call.record.ladder?.append(MessageRecord(
            packet: payload.packetNumber, timeMs: timeMs, transport: payload.transport.rawValue,
            source: source, destination: destination, label: Self.label(message), retransmission: retransmission,
            findings: findings.map(\.rule.id)))
        if !wasDone, call.isDone {
            call.doneAt = payload.timestamp
            for key in call.order { call.transactions[key]?.request = nil }
            lingering.append((payload.timestamp &+ lingerNs, callID))
        }
        open[callID] = call
    }

    /// A request: a new transaction, a retransmission of one, or the ACK of a failed INVITE (same branch, §17.1.1.3).
    private mutating func request(_ message: SIPMessage, cseq: CSeq?, _ payload: CapturedPayload,
                                  in call: inout OpenCall) -> (Bool, [Finding]) {
        let method = message.method ?? "UNKNOWN"
        let branch = message.topVia?.branch?.string ?? ""
        if method == .ack {
            let invite = OpenCall.TransactionKey(branch: branch, method: .invite)
            if call.transactions[invite]?.record.finalCode.map({ $0 >= 300 }) == true {
                let again = call.transactions[invite]!.acknowledged
                call.transactions[invite]!.acknowledged = true
                return (again, again ? [] : MessageChecker().check(message, memo: &memo))
            }
            let again = !call.ackBranches.insert(branch).inserted
            return (again, again ? [] : MessageChecker().check(message, memo: &memo))
        }
        let key = OpenCall.TransactionKey(branch: branch, method: method)
        if var tx = call.transactions[key] {
            let interval = Double(payload.timestamp &- tx.lastRequestAt) / 1e6
            if let previous = tx.record.retransmissionIntervalsMs.last {
                let ok = TransactionRecord.follows(interval, previous: previous, method: method,
                                                   afterProvisional: tx.provisionalSeen)
                tx.record.intervalsDouble = (tx.record.intervalsDouble ?? true) && ok
            }
            tx.record.retransmissionIntervalsMs.append(interval)
            tx.record.requestRetransmissions += 1
            tx.lastRequestAt = payload.timestamp
            call.transactions[key] = tx
            return (true, [])
        }
        let record = TransactionRecord(
            method: method.rawValue, cseq: cseq?.sequenceNumber ?? 0, branch: branch, requestPacket: payload.packetNumber,
            startMs: call.milliseconds(payload.timestamp), firstProvisionalMs: nil, finalMs: nil, finalCode: nil,
            requestRetransmissions: 0, retransmissionIntervalsMs: [], intervalsDouble: nil, responseRetransmissions: 0)
        call.transactions[key] = OpenCall.OpenTransaction(record: record, request: message, lastRequestAt: payload.timestamp)
        call.order.append(key)
        if method == .invite, call.initialInvite == nil { call.initialInvite = key }
        return (false, MessageChecker().check(message, memo: &memo))
    }

    /// A response: matched to its transaction by the top Via's branch and the CSeq method (§17.1.3).
    private mutating func response(_ message: SIPMessage, cseq: CSeq?, _ payload: CapturedPayload,
                                   in call: inout OpenCall) -> (Bool, [Finding]) {
        let code = message.statusCode ?? 0
        let key = OpenCall.TransactionKey(branch: message.topVia?.branch?.string ?? "", method: cseq?.method ?? "UNKNOWN")
        guard var tx = call.transactions[key] else {
            summary.responseCodes[String(code), default: 0] += 1
            return (false, MessageChecker().check(message, memo: &memo))  // its request was not captured
        }
        let toTag = message.to?.tag?.string ?? ""
        guard tx.responses.insert(.init(code: code, toTag: toTag)).inserted else {
            tx.record.responseRetransmissions += 1
            call.transactions[key] = tx
            return (true, [])
        }
        summary.responseCodes[String(code), default: 0] += 1
        let findings = tx.request.map {
            ResponseChecker().check(message, answering: $0, earlierToTag: tx.earlierToTag, memo: &memo)
        } ?? MessageChecker().check(message, memo: &memo)
        let elapsed = call.milliseconds(payload.timestamp) - tx.record.startMs  // from the request's first copy
        if code > 100, !toTag.isEmpty, tx.earlierToTag == nil { tx.earlierToTag = message.to?.tag?.owned }
        if code < 200 {
            tx.provisionalSeen = true
            if code > 100, tx.record.firstProvisionalMs == nil { tx.record.firstProvisionalMs = elapsed }
        } else if tx.record.finalCode == nil {
            tx.record.finalCode = code
            tx.record.finalMs = elapsed
        }
        if key == call.initialInvite {
            if code > 100, call.record.sessionRequestDelayMs == nil { call.record.sessionRequestDelayMs = elapsed }
            if code >= 200, call.record.finalCode == nil {
                call.record.finalCode = code
                call.record.answered = code < 300
            }
        } else if call.record.kind != "invite", call.record.finalCode == nil, code >= 200,
                  tx.record.requestPacket == call.record.firstPacket {
            call.record.finalCode = code
        }
        call.transactions[key] = tx
        return (false, findings)
    }

    // MARK: - Reporting

    private mutating func count(_ findings: [Finding]) {
        for f in findings {
            summary.findings[f.rule.id, default: 0] += 1
            summary.findingsBySeverity[f.severity.rawValue, default: 0] += 1
        }
    }

    /// The calls whose linger is over, and (once a minute of capture time) those silent past `idle`.
    private mutating func due() -> [CallRecord] {
        var ended: [CallRecord] = []
        while lingeringHead < lingering.count, lingering[lingeringHead].due <= now {
            let callID = lingering[lingeringHead].callID
            lingeringHead += 1
            if let call = open[callID], let done = call.doneAt, done &+ lingerNs <= now {
                ended.append(report(call, ending: "completed"))
                open[callID] = nil
            }
        }
        if lingeringHead > 4096, lingeringHead * 2 > lingering.count {
            lingering.removeFirst(lingeringHead)
            lingeringHead = 0
        }
        if now &- lastSweep > 60_000_000_000 {
            lastSweep = now
            for (callID, call) in open where call.doneAt == nil && call.lastAt &+ idleNs < now {
                ended.append(report(call, ending: "idle"))
                open[callID] = nil
            }
        }
        return ended
    }

    private mutating func report(_ call: OpenCall, ending: String) -> CallRecord {
        let record = call.finished(ending: ending)
        summary.calls[record.kind, default: 0] += 1
        if record.kind == "invite" {
            summary.invite.calls += 1
            if let code = record.finalCode {
                summary.invite.finalCodes[String(code), default: 0] += 1
                if record.answered { summary.invite.answered += 1 }
            } else {
                summary.invite.unanswered += 1
            }
            if let delay = record.sessionRequestDelayMs { delays.append(delay) }
        }
        for tx in record.transactions {
            if tx.requestRetransmissions > 0 { summary.retransmissions.transactionsRetransmitted += 1 }
            if tx.intervalsDouble == false { summary.retransmissions.intervalsNotDoubling += 1 }
            switch tx.method {
            case "REGISTER": Self.count(tx, into: &summary.register)
            case "OPTIONS": Self.count(tx, into: &summary.options)
            default: break
            }
        }
        return record
    }

    private static func count(_ tx: TransactionRecord, into summary: inout AnalysisSummary.TransactionSummary) {
        summary.transactions += 1
        if let code = tx.finalCode { summary.finalCodes[String(code), default: 0] += 1 } else { summary.unanswered += 1 }
    }

    private mutating func address(_ endpoint: PacketEndpoint) -> String {
        if let known = addresses[endpoint] { return known }
        let text = endpoint.description
        if addresses.count < 65_536 { addresses[endpoint] = text }
        return text
    }

    static func label(_ message: SIPMessage) -> String {
        if let method = message.method { return "\(method.rawValue) \(message.requestURI?.string ?? "")" }
        return "\(message.statusCode ?? 0) \(message.reasonPhrase?.string ?? "")"
    }

    static func nanoseconds(_ d: Duration) -> UInt64 {
        let (s, a) = d.components
        return UInt64(max(0, s)) * 1_000_000_000 + UInt64(max(0, a) / 1_000_000_000)
    }
}
