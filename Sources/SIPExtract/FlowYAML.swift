/// Flow-file text written line by line: YAML with every scalar that needs it double-quoted (YAML 1.2 §7.3.1), and
/// bodies as literal blocks where they can be.
struct FlowYAML {
    private(set) var text = "# yaml-language-server: $schema=sipflow-flow.schema.json\n"

    mutating func line(_ s: String) { text += s + "\n" }

    mutating func comment(_ s: String) { text += "# " + s.replacingOccurrences(of: "\n", with: " ") + "\n" }

    /// `body:` as a literal block (line ends become CRLF again when the flow loads), or quoted when a block cannot
    /// hold the text as it is (leading spaces, tabs, trailing spaces, a missing final line end).
    mutating func body(_ body: String, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        // "\r\n" is one Character in Swift: work on LF line ends.
        let text = body.replacingOccurrences(of: "\r\n", with: "\n")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let blockSafe = text.hasSuffix("\n") && lines.dropLast().allSatisfy {
            !$0.hasPrefix(" ") && !$0.contains("\t") && !$0.hasSuffix(" ") && !$0.isEmpty && !$0.contains("\r")
        }
        guard blockSafe else {
            line("\(pad)body: {text: \(Self.quoted(text))}")
            return
        }
        line("\(pad)body: |")
        for l in lines.dropLast() { line("\(pad)  \(l)") }
    }

    /// A double-quoted YAML scalar.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7F:
                out += "\\x" + String(u.value, radix: 16).leftPadded(to: 2)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// Captured text with `${` written `$${`, so the flow's templates keep it literal.
    static func escapingVariables(_ s: String) -> String { s.replacingOccurrences(of: "${", with: "$${") }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
