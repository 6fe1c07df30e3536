import SIPCore

/// A check on one header of the answer, as `--expect-header` writes it (like an F5 monitor's receive string):
///
/// - `Name` — the header is present;
/// - `!Name` — the header is absent;
/// - `Name=value` — some value of it equals `value` (case-insensitive, after trimming);
/// - `Name~text` — some value of it contains `text` (case-insensitive).
public struct HeaderExpectation: Sendable, Hashable, CustomStringConvertible {
    public enum Test: Sendable, Hashable {
        case present, absent
        case equals(String)
        case contains(String)
    }

    public let header: String
    public let test: Test

    public init(header: String, test: Test) {
        self.header = header
        self.test = test
    }

    public init(parsing text: String) throws(PingArgumentError) {
        let t = text.trimmingSpaces
        if t.hasPrefix("!") {
            let name = String(t.dropFirst()).trimmingSpaces
            try Self.checkName(name, in: text)
            self.init(header: name, test: .absent)
            return
        }
        guard let i = t.firstIndex(where: { $0 == "=" || $0 == "~" }) else {
            try Self.checkName(t, in: text)
            self.init(header: t, test: .present)
            return
        }
        let name = String(t[..<i]).trimmingSpaces
        let value = String(t[t.index(after: i)...]).trimmingSpaces
        try Self.checkName(name, in: text)
        guard !value.isEmpty else {
            throw PingArgumentError("--expect-header '\(text)' has nothing after '\(t[i])'")
        }
        self.init(header: name, test: t[i] == "=" ? .equals(value) : .contains(value))
    }

    static func checkName(_ name: String, in text: String) throws(PingArgumentError) {
        guard !name.isEmpty, name.utf8.allSatisfy(ASCII.isToken) else {
            throw PingArgumentError("--expect-header '\(text)' does not start with a header name (Name, !Name, Name=value or Name~text)")
        }
    }

    /// Nil when the message passes; otherwise one sentence saying what was found instead.
    public func failure(in message: SIPMessage) -> String? {
        let values = message.fields(named: header).map { message.value(of: $0).string }
        switch test {
        case .present:
            return values.isEmpty ? "the answer has no \(header) header" : nil
        case .absent:
            return values.isEmpty ? nil : "the answer has a \(header) header (\(values[0])), expected none"
        case .equals(let want):
            if values.isEmpty { return "the answer has no \(header) header, expected '\(want)'" }
            return values.contains { $0.trimmingSpaces.lowercased() == want.lowercased() }
                ? nil : "\(header) is '\(values[0])', expected '\(want)'"
        case .contains(let want):
            if values.isEmpty { return "the answer has no \(header) header, expected one containing '\(want)'" }
            return values.contains { $0.lowercased().contains(want.lowercased()) }
                ? nil : "\(header) is '\(values[0])', which does not contain '\(want)'"
        }
    }

    public var description: String {
        switch test {
        case .present: header
        case .absent: "!\(header)"
        case .equals(let v): "\(header)=\(v)"
        case .contains(let v): "\(header)~\(v)"
        }
    }
}
