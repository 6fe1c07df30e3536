import SIPFlow

/// An instruction of the party program as its calls run it (`PartyProgram.Instruction`), with the message or the
/// expectation held by reference.
///
/// Calls read their program's instructions for every message and timer. Reading a `PartyProgram.Instruction` copies
/// its template or expectation out of the enum's box, which counts a reference for each of their strings and arrays
/// (some six a step, released again after); reading a `CallStep` counts one.
enum CallStep {
    case send(Boxed<MessageTemplate>)
    case expect(Boxed<Expectation>)
    case pause(Delay)

    init(_ instruction: PartyProgram.Instruction) {
        switch instruction {
        case .send(let template): self = .send(Boxed(template))
        case .expect(let expectation): self = .expect(Boxed(expectation))
        case .pause(let delay): self = .pause(delay)
        }
    }
}

/// A value held by reference, read in place (`value` is a `let` of a final class: reading it copies nothing).
final class Boxed<Value> {
    let value: Value
    init(_ value: Value) { self.value = value }
}
