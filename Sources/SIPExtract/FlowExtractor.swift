import SIPAnalysis
import SIPCore

/// Why a call could not become a flow, as one sentence.
public struct ExtractError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A flow made from a captured call: its text (the flow format of docs/flow-format.md) and what extract chose or
/// left out, one sentence each.
public struct ExtractedFlow {
    public let yaml: String
    public let notes: [String]
    public let steps: Int
}

/// Turns a captured call into a flow both parties can play (issue 23): the messages of one hop, in order, with
/// retransmissions left out, as steps; everything per call (Call-ID, tags, branches, CSeq, Contact, routes,
/// Content-Length) left for the engine to fill; SDP addresses, ports and session ids as variables; other headers
/// and bodies kept verbatim.
public struct FlowExtractor {
    public enum Side: String, Sendable { case caller, callee }

    public var name = "from-capture"
    /// The party whose hop is extracted when the call crosses proxies: the caller's first hop or the callee's last.
    public var side: Side = .caller
    /// Pauses keep the captured gaps between a party's messages (10 ms or more).
    public var keepTiming = false
    /// Headers to leave out, by name (case-insensitive), besides those the engine fills.
    public var dropHeaders: Set<String> = []
    /// Where the capture came from, for the flow's description.
    public var source = "a capture"

    public init() {}

    /// The headers the engine writes itself (RFC 3261 §8.1.1, §12, §16.6): never copied from the capture.
    static let engineHeaders: Set<HeaderName> = [.via, .from, .to, .callID, .cseq, .maxForwards, .contact,
                                                 .contentLength, .contentType, .route, .recordRoute,
                                                 .authorization, .proxyAuthorization]

    public func extract(_ call: CapturedCall) throws(ExtractError) -> ExtractedFlow {
        guard let first = call.firstRequest else {
            let start = call.messages.first.map { " (it starts with \(Self.startLine($0.message)))" } ?? ""
            throw ExtractError("call \(call.callID): the capture has no request that starts it\(start); it was captured mid-call")
        }
        var notes: [String] = []
        // The hop: the first copy of the first request for the caller's side, the last copy for the callee's.
        let method = first.message.method
        let cseq = first.message.cseq?.sequenceNumber
        let copies = call.messages.filter { $0.message.method == method && $0.message.cseq?.sequenceNumber == cseq && !$0.retransmission }
        let hop = (side == .caller ? copies.first : copies.last) ?? first
        let (caller, callee) = (hop.source, hop.destination)
        let parties = Set(call.messages.flatMap { [$0.source, $0.destination] })
        if parties.count > 2 {
            notes.append("the call crosses \(parties.count - 1) hops; extracted \(caller) → \(callee), the hop nearest the \(side.rawValue)")
        }
        let messages = call.messages(between: caller, and: callee)
        var yaml = FlowYAML()
        yaml.comment("Extracted by sipflow extract from \(source): Call-ID \(call.callID), \(caller) (caller) → \(callee) (callee).")
        yaml.line("name: \(FlowYAML.quoted(name))")
        yaml.line("description: \(FlowYAML.quoted("\(first.message.method?.rawValue ?? "A") call captured in \(source)"))")
        yaml.line("parties: [caller, callee]")
        yaml.line("steps:")
        var steps = 0
        var previous: ObservedMessage?
        var retransmissions = 0
        for m in messages {
            if m.retransmission { retransmissions += 1; continue }
            let from = m.source == caller ? "caller" : "callee", to = from == "caller" ? "callee" : "caller"
            if keepTiming, let previous, m.timestamp > previous.timestamp {
                let ms = (m.timestamp - previous.timestamp) / 1_000_000
                if ms >= 10 { yaml.line("  - pause: \(ms)ms") }
            }
            yaml.line("  - \(from) -> \(to): \(Self.stepLabel(m.message))")
            if let code = m.message.statusCode, code < 200 { yaml.line("    optional: true") }
            let headers = kept(m.message)
            if !headers.isEmpty {
                yaml.line("    headers:")
                for h in headers { yaml.line("      - \(FlowYAML.quoted(FlowYAML.escapingVariables(h)))") }
            }
            if !m.message.body.isEmpty {
                if let text = String(validating: m.message.body, as: UTF8.self), !text.contains("\0") {
                    let type = m.message.contentType?.trimmed.string
                    let sdp = type?.lowercased().hasPrefix("application/sdp") ?? false
                    yaml.body(sdp ? SDPTemplate.make(text) : FlowYAML.escapingVariables(text), indent: 4)
                    if let type, !type.isEmpty, !sdp { yaml.line("    content-type: \(FlowYAML.quoted(type))") }
                } else {
                    notes.append("packet \(m.packet): the \(Self.stepLabel(m.message)) body is not text; left out")
                }
            }
            previous = m
            steps += 1
        }
        if retransmissions > 0 { notes.append("\(retransmissions) retransmitted messages are not steps: the engine retransmits") }
        return ExtractedFlow(yaml: yaml.text, notes: notes, steps: steps)
    }

    /// What the call does, step by step, without its per-call values: calls of one shape make one flow (`--all`).
    public static func shape(_ call: CapturedCall) -> [String] {
        guard let first = call.firstRequest else { return [] }
        return call.messages(between: first.source, and: first.destination).filter { !$0.retransmission }
            .map { ($0.source == first.source ? "caller->callee " : "callee->caller ") + stepLabel($0.message) }
    }

    /// The headers copied into the step, as `Name: value` lines, in the message's order.
    func kept(_ message: SIPMessage) -> [String] {
        let dropped = Set(dropHeaders.map { $0.lowercased() })
        return message.headers.compactMap { field in
            guard !Self.engineHeaders.contains(field.name) else { return nil }
            let name = message.rawName(of: field).string
            guard !dropped.contains(name.lowercased()) else { return nil }
            return "\(name): \(message.value(of: field).string)"
        }
    }

    /// `INVITE`, `180 Ringing`: what a step's arrow carries.
    static func stepLabel(_ message: SIPMessage) -> String {
        if let method = message.method { return method.rawValue }
        let reason = message.reasonPhrase?.string ?? ""
        return "\(message.statusCode ?? 0)" + (reason.isEmpty ? "" : " \(FlowYAML.escapingVariables(reason))")
    }

    static func startLine(_ message: SIPMessage) -> String {
        message.method.map { "\($0.rawValue) \(message.requestURI?.string ?? "")" }
            ?? "\(message.statusCode ?? 0) \(message.reasonPhrase?.string ?? "")"
    }
}
