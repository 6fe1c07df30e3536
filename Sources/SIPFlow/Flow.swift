/// A call flow: two parties and the ladder of messages between them, as RFC 3665 draws it.
///
/// A flow is party-neutral; `program(for:)` compiles the side one party plays.
public struct Flow: Hashable, Sendable {
    public internal(set) var name: String
    public internal(set) var description: String?
    /// The two party names, in the order the file lists them.
    public internal(set) var parties: [String]
    public internal(set) var steps: [Step]
    /// Names of captured variables; `Variable.captured(slot:)` indexes this array.
    public internal(set) var captureNames: [String]
    /// CSV columns the templates read as `${data.column}`, for checking a data file against the flow.
    public internal(set) var dataColumns: Set<String>
    /// Where the flow came from, for messages.
    public internal(set) var file: String

    /// The party that sends the first request: `sipflow run` plays it, `sipflow serve` plays the other.
    public var initiator: String {
        for step in steps { if case .message(let message) = step.kind { return message.from } }
        return parties.first ?? ""
    }

    /// The party that is not the initiator.
    public var responder: String { parties.first { $0 != initiator } ?? "" }
}

/// One rung of the ladder.
public struct Step: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case message(MessageStep)
        case pause(PauseStep)
    }

    public internal(set) var kind: Kind
    /// Where the step starts in the flow file.
    public internal(set) var location: SourceLocation
}

/// An arrow `from -> to: message` with everything the sender adds and the receiver checks.
public struct MessageStep: Hashable, Sendable {
    public internal(set) var from: String
    public internal(set) var to: String
    public internal(set) var message: MessageKind
    /// Headers added or overridden by the sender, in order.
    public internal(set) var headers: [HeaderTemplate] = []
    public internal(set) var body: BodyTemplate?
    /// Exact bytes to send instead of a built message (`raw:`), for torture and negative tests.
    public internal(set) var raw: Template?
    /// The receiver does not fail the call when this message never comes.
    public internal(set) var optional: Bool = false
    /// How long the receiver waits; nil means the engine's default.
    public internal(set) var timeout: Duration?
    public internal(set) var assertions: [Assertion] = []
    public internal(set) var captures: [Capture] = []
    /// Statuses the receiver also accepts, and what it does on each.
    public internal(set) var reactions: [StatusPattern: Reaction] = [:]
    public internal(set) var context: StepContext
    /// Where the arrow key is, for messages about the whole step.
    public internal(set) var location: SourceLocation
}

/// A `pause:` step, played by one party only.
public struct PauseStep: Hashable, Sendable {
    public internal(set) var delay: Delay
    /// `party:` when given; else the sender of the next message (its think time), else of the previous one.
    public internal(set) var party: String
}
