import SIPCore
import SIPFlow

/// A step's `assert:` and `capture:` on a received message.
extension Call {
    /// Runs the expectation's assertions, then its captures. Returns the failure, if any.
    func evaluate(_ e: Expectation, _ message: SIPMessage) -> FailureReason? {
        for assertion in e.assertions where !holds(assertion, in: message) {
            return .assertionFailed
        }
        for capture in e.captures {
            guard let text = subjectText(capture.source, in: message) else { continue }
            let value = capture.pattern.map { $0.firstMatch(in: text) } ?? text
            if capture.slot < captures.count, let value { captures[capture.slot] = value }
        }
        return nil
    }

    private func holds(_ assertion: Assertion, in message: SIPMessage) -> Bool {
        let text = subjectText(assertion.subject, in: message)
        switch assertion.check {
        case .present(let wanted):
            return (text != nil) == wanted
        case .equals(let template):
            return text == render(template)
        case .contains(let template):
            guard let text else { return false }
            return text.contains(render(template))
        case .matches(let pattern):
            guard let text else { return false }
            return pattern.firstMatch(in: text) != nil
        }
    }

    /// The text an assertion or capture looks at: all values of a header joined by ", ", or the body.
    private func subjectText(_ subject: Assertion.Subject, in message: SIPMessage) -> String? {
        switch subject {
        case .body:
            return String(decoding: message.body, as: UTF8.self)
        case .header(let name):
            let fields = message.fields(named: name)
            guard !fields.isEmpty else { return nil }
            return fields.map { message.value(of: $0).string }.joined(separator: ", ")
        }
    }
}
