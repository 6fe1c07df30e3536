import SIPCore

/// The side of a flow one party plays: a linear list of instructions the engine runs for each call.
public struct PartyProgram: Hashable, Sendable {
    /// `send` and `expect` are boxed (`indirect`): the engine reads an instruction for each message of each call,
    /// and a boxed payload is copied with one reference count instead of one for each of its many fields.
    public enum Instruction: Hashable, Sendable {
        indirect case send(MessageTemplate)
        indirect case expect(Expectation)
        case pause(Delay)
    }

    public var party: String
    public var peer: String
    /// True for the party that sends the first request (a UAC that starts calls).
    public var isInitiator: Bool
    public var instructions: [Instruction]
    /// Names for capture slots, shared with `Flow.captureNames`.
    public var captureNames: [String]
}

/// A message to build and send: the engine adds Via, tags, Call-ID, CSeq, Max-Forwards, Contact and
/// Content-Length (RFC 3261 §8.1.1) unless `headers` overrides them, or sends `raw` as it is.
public struct MessageTemplate: Hashable, Sendable {
    public var kind: MessageKind
    public var headers: [HeaderTemplate]
    public var body: BodyTemplate?
    public var raw: Template?
    public var context: StepContext
    /// Index of the step in `Flow.steps`.
    public var step: Int
    public var location: SourceLocation

    /// The status to send for a response step.
    public var status: Int? { kind.sentStatus }
}

/// A message to wait for, and what to check and keep from it.
public struct Expectation: Hashable, Sendable {
    public enum Match: Hashable, Sendable {
        case request(SIPMethod)
        case response([StatusPattern])
    }

    public var match: Match
    public var optional: Bool
    public var timeout: Duration?
    public var assertions: [Assertion]
    public var captures: [Capture]
    public var reactions: [StatusPattern: Reaction]
    /// Pauses the peer takes before sending this message: the engine adds them to its default wait, so a
    /// `pause: 30s` on one side does not time out the other.
    public var peerPauses: [Delay] = []
    public var context: StepContext
    public var step: Int
    public var location: SourceLocation

    /// True when `status` is one the step expects (reactions not included).
    public func accepts(status: Int) -> Bool {
        if case .response(let patterns) = match { return patterns.contains { $0.matches(status) } }
        return false
    }

    /// The reaction for a status the step does not expect, if the flow names one.
    public func reaction(to status: Int) -> Reaction? {
        if let exact = reactions[.code(status)] { return exact }
        return reactions[.statusClass(status / 100)]
    }
}

extension Flow {
    /// The program `party` plays; throws when the flow has no such party.
    public func program(for party: String) throws(FlowError) -> PartyProgram {
        guard let peer = parties.first(where: { $0 != party }), parties.contains(party) else {
            throw FlowError(
                "flow '\(name)' has no party '\(party)'", at: SourceLocation(file: file, line: 0, column: 0),
                hint: Suggestion.hint(for: party, in: parties) ?? "its parties are \(parties.map { "'\($0)'" }.joined(separator: " and "))")
        }
        return compile(party: party, peer: peer)
    }

    /// The initiator's program (`sipflow run`).
    public var initiatorProgram: PartyProgram { compile(party: initiator, peer: responder) }
    /// The responder's program (`sipflow serve`).
    public var responderProgram: PartyProgram { compile(party: responder, peer: initiator) }

    private func compile(party: String, peer: String) -> PartyProgram {
        var instructions: [PartyProgram.Instruction] = []
        var peerPauses: [Delay] = []
        for (index, step) in steps.enumerated() {
            switch step.kind {
            case .pause(let pause) where pause.party == party:
                instructions.append(.pause(pause.delay))
                peerPauses = []
            case .pause(let pause):
                peerPauses.append(pause.delay)
            case .message(let m) where m.from == party:
                peerPauses = []
                instructions.append(.send(MessageTemplate(
                    kind: m.message, headers: m.headers, body: m.body, raw: m.raw, context: m.context,
                    step: index, location: m.location)))
            case .message(let m) where m.to == party:
                let match: Expectation.Match = switch m.message {
                case .request(let method, _): .request(method)
                case .response(let statuses, _): .response(statuses)
                }
                instructions.append(.expect(Expectation(
                    match: match, optional: m.optional, timeout: m.timeout, assertions: m.assertions,
                    captures: m.captures, reactions: m.reactions, peerPauses: peerPauses, context: m.context,
                    step: index, location: m.location)))
                peerPauses = []
            case .message:
                break
            }
        }
        return PartyProgram(
            party: party, peer: peer, isInitiator: party == initiator, instructions: instructions,
            captureNames: captureNames)
    }
}
