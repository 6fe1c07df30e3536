import SIPCore

/// Lints raw message bytes: parses them as one datagram and applies every message-scope rule.
public struct Linter: Sendable {
    public var limits: SIPParserLimits

    public init(limits: SIPParserLimits = .default) {
        self.limits = limits
    }

    /// The result of linting one input.
    public struct Result: Sendable {
        /// The parsed message, or nil when the bytes are not a SIP message at all.
        public let message: SIPMessage?
        public let findings: [Finding]

        public func count(_ severity: Severity) -> Int { findings.filter { $0.severity == severity }.count }
        public var hasErrors: Bool { findings.contains { $0.severity == .error } }
    }

    public func lint(_ bytes: [UInt8]) -> Result {
        let checker = MessageChecker()
        do {
            let message = try SIPParser(limits: limits).parse(bytes)
            return Result(message: message, findings: checker.check(message))
        } catch {
            return Result(message: nil, findings: checker.findings(for: error))
        }
    }

    /// Replaces each bare LF with CRLF, for messages written by hand in an editor.
    public static func normalizingLineEnds(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 20)
        for (i, b) in bytes.enumerated() {
            if b == ASCII.lf, i == 0 || bytes[i - 1] != ASCII.cr { out.append(ASCII.cr) }
            out.append(b)
        }
        return out
    }
}
