import SIPCore

/// Grammar rules for headers with a fixed shape not covered elsewhere: Call-ID and Warning (RFC 3261 §20.8, §20.43).
enum HeaderSyntaxRules {
    /// RFC 3261 §20.8, §25.1: `callid = word [ "@" word ]`.
    static let callIDSyntax = Rule(
        "rfc3261.20.8.call-id-syntax", .error, "RFC 3261 §20.8, §25.1",
        "Call-ID is a word, optionally followed by '@' and a second word, with no white space.")
    /// RFC 3261 §20.43, §25.1: `warning-value = warn-code SP warn-agent SP warn-text`, warn-code 3DIGIT.
    static let warningSyntax = Rule(
        "rfc3261.20.43.warning-syntax", .error, "RFC 3261 §20.43, §25.1",
        "Each Warning value is a 3-digit code, an agent and a quoted text, separated by SP.")

    static let all: [Rule] = [callIDSyntax, warningSyntax]

    static func check(_ m: SIPMessage, into out: inout FindingList) {
        for f in m.eachField(.callID) where !out.copies.contains(f) {
            let v = m.value(of: f)
            if let problem = callIDProblem(v) { out.add(callIDSyntax, f, problem) }
        }
        var reported: Set<Int32> = []
        for (f, v) in m.fieldValues(.warning) where !reported.contains(f.line) {
            if let problem = warningProblem(v) {
                out.add(warningSyntax, f, problem)
                reported.insert(f.line)
            }
        }
    }

    static func callIDProblem(_ v: ByteString) -> String? {
        // One scan, no split: the words are the bytes before and after the first '@'.
        let b = v.bytes
        guard !b.isEmpty else { return "the Call-ID is empty" }
        let at = b.firstIndex(of: ASCII.at)
        if let at, at == b.startIndex || at == b.endIndex - 1 {
            return "the Call-ID '\(v.string.prefix(60))' has an empty word around '@'"
        }
        let skip = (at ?? b.startIndex - 1) - b.startIndex  // the offset of the separating '@', or -1
        let bad: UInt8? = b.withUnsafeBufferPointer { p in
            for k in 0..<p.count where k != skip && !ASCII.isWord(p[k]) { return p[k] }
            return nil
        }
        guard let c = bad else { return nil }
        let shown = c == ASCII.at ? "a second '@'" : "the octet 0x\(String(c, radix: 16))"
        return "the Call-ID '\(v.string.prefix(60))' contains \(shown), which a word does not allow"
    }

    static func warningProblem(_ v: ByteString) -> String? {
        let b = v.bytes
        let code = b.prefix(while: ASCII.isDigit)
        guard code.count == 3, code.endIndex < b.endIndex, b[code.endIndex] == ASCII.sp else {
            return "the Warning '\(v.string.prefix(40))' does not start with a 3-digit warn-code and SP"
        }
        let rest = b[(code.endIndex + 1)...]
        guard let sp = rest.firstIndex(of: ASCII.sp), sp > rest.startIndex else {
            return "the Warning '\(v.string.prefix(40))' has no warn-agent followed by SP"
        }
        let text = b[(sp + 1)...]
        guard text.count >= 2, text.first == ASCII.quote, text.last == ASCII.quote else {
            return "the Warning '\(v.string.prefix(40))' has no quoted warn-text"
        }
        return nil
    }
}
