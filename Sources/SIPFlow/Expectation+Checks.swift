import Foundation

/// A check on a received message (`assert:`); a failed check fails the call.
public struct Assertion: Hashable, Sendable {
    public enum Subject: Hashable, Sendable, CustomStringConvertible {
        case header(String)
        case body

        public var description: String {
            switch self {
            case .header(let name): "header \(name)"
            case .body: "body"
            }
        }
    }

    public enum Check: Hashable, Sendable {
        case equals(Template)
        case contains(Template)
        case matches(Pattern)
        /// The header is present (`present: true`) or absent (`present: false`).
        case present(Bool)
    }

    public var subject: Subject
    public var check: Check
    public var location: SourceLocation
}

/// Stores part of a received message in a variable for later steps (`capture:`).
public struct Capture: Hashable, Sendable {
    public var name: String
    /// Index into `Flow.captureNames`: the engine keeps captured values in an array per call.
    public var slot: Int
    public var source: Assertion.Subject
    /// The first capture group becomes the value; without a pattern, the whole header value or body.
    public var pattern: Pattern?
    public var location: SourceLocation
}

/// What to do when an expectation receives one of the listed statuses instead (`on: {401: auth}`).
public enum Reaction: String, Hashable, Sendable, CaseIterable {
    /// Answer the challenge with credentials and resend the request (RFC 3261 §22.2).
    case auth
    /// End the call as failed.
    case fail
}

/// A compiled regular expression, checked at load time; compares by its source text.
public struct Pattern: Hashable, Sendable, CustomStringConvertible {
    public let source: String
    /// Number of capture groups.
    public let groupCount: Int
    private let box: Box

    /// `NSRegularExpression` is immutable once built and documented as safe to use from several threads.
    private final class Box: @unchecked Sendable {
        let regex: NSRegularExpression
        init(_ regex: NSRegularExpression) { self.regex = regex }
    }

    /// Compiles `source`, or returns nil when it is not a valid ICU regular expression.
    public init?(_ source: String) {
        guard let regex = try? NSRegularExpression(pattern: source, options: []) else { return nil }
        self.source = source
        self.groupCount = regex.numberOfCaptureGroups
        self.box = Box(regex)
    }

    /// The first match in `text`: its first capture group when there is one, else the whole match; nil when
    /// nothing matches.
    public func firstMatch(in text: String) -> String? {
        let range = NSRange(text.startIndex..., in: text)
        guard let match = box.regex.firstMatch(in: text, options: [], range: range) else { return nil }
        let group = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
        // The pattern matched even when its first group took no part (`a( b)?` on "a"): the value is empty.
        guard group.location != NSNotFound else { return "" }
        guard let swiftRange = Range(group, in: text) else { return nil }
        return String(text[swiftRange])
    }

    public var description: String { source }
    public static func == (a: Pattern, b: Pattern) -> Bool { a.source == b.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}
