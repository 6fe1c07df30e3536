import SIPCore

/// Findings collected while checking one message, with helpers that point each finding at a header line.
struct FindingList {
    let message: SIPMessage
    private(set) var findings: [Finding] = []

    init(_ message: SIPMessage) { self.message = message }

    /// Reports a finding about a header field: its canonical name (or the name as written) and its line.
    mutating func add(_ rule: Rule, _ field: SIPHeaderField, _ text: String) {
        let name = field.name == .other ? message.rawName(of: field).string : field.name.canonicalName
        findings.append(Finding(rule, header: name, line: Int(field.line), text))
    }

    /// Reports a finding about a header that has no line to point at (typically an absent header).
    mutating func add(_ rule: Rule, header: HeaderName, _ text: String) {
        findings.append(Finding(rule, header: header.canonicalName, line: nil, text))
    }

    /// Reports a finding about the start line.
    mutating func addStartLine(_ rule: Rule, _ text: String) {
        findings.append(Finding(rule, line: 1, text))
    }

    /// Reports a finding at a given line, with no header.
    mutating func add(_ rule: Rule, line: Int?, _ text: String) {
        findings.append(Finding(rule, line: line, text))
    }

    /// The findings by line; those without a line keep their order at the end.
    func sorted() -> [Finding] {
        if findings.count < 2 { return findings }
        return findings.enumerated().sorted { a, b in
            let la = a.element.line ?? Int.max, lb = b.element.line ?? Int.max
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }
}

extension SIPMessage {
    /// The method a response answers, from its CSeq (nil if the CSeq does not parse).
    var answeredMethod: SIPMethod? { cseq?.method }
}

extension ByteString {
    /// The text lower-cased, for comparing tokens that are case-insensitive.
    var lowercased: String { string.lowercased() }

    /// `equalsIgnoringCase` with a lower-case ASCII literal, byte against byte: no String to walk, for the
    /// schemes and protocol names the rules compare on every message.
    func equalsLowercase(_ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let q = lower.utf8Start
        var j = 0
        for b in bytes {
            guard ASCII.lower(b) == q[j] else { return false }
            j += 1
        }
        return true
    }

    /// `hasPrefix` (case-sensitive) with an ASCII literal, byte against byte.
    func hasPrefix(ascii prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        let q = prefix.utf8Start
        var j = 0, i = bytes.startIndex
        while j < prefix.utf8CodeUnitCount {
            guard bytes[i] == q[j] else { return false }
            i += 1
            j += 1
        }
        return true
    }
}

extension SIPMessage {
    /// The fields with this name, lazily (`fields(_:)` builds an array; the checkers only walk them).
    func eachField(_ name: HeaderName) -> NamedFields { NamedFields(headers: headers, name: name) }
}
