import SIPCore

extension Assertion {
    /// True when `message` passes this check. A header check passes when any of the header's fields does;
    /// `render` fills the variables of `equals` and `contains`.
    public func holds(in message: SIPMessage, render: (Template) -> String) -> Bool {
        let values = subject.values(in: message)
        switch check {
        case .present(let expected):
            return values.isEmpty != expected
        case .equals(let template):
            let expected = render(template)
            return values.contains { $0 == expected }
        case .contains(let template):
            let expected = render(template)
            return values.contains { $0.contains(expected) }
        case .matches(let pattern):
            return values.contains { pattern.firstMatch(in: $0) != nil }
        }
    }
}

extension Capture {
    /// The value this capture takes from `message`: the first capture group of the pattern (or the whole match)
    /// in the first field that matches, or the first field's whole value without a pattern; nil when absent.
    public func value(in message: SIPMessage) -> String? {
        let values = source.values(in: message)
        guard let pattern else { return values.first }
        for value in values {
            if let match = pattern.firstMatch(in: value) { return match }
        }
        return nil
    }
}

extension Assertion.Subject {
    /// The header's field values (compact forms included), or the body as one value; empty when absent.
    func values(in message: SIPMessage) -> [String] {
        switch self {
        case .header(let name): message.fields(named: name).map { message.value(of: $0).string }
        case .body: [String(decoding: message.body, as: UTF8.self)]
        }
    }
}
