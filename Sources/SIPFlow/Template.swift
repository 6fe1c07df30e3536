import Foundation

/// Text with `${...}` variables, split into segments once at load time so the engine only fills slots.
///
/// `$${` writes a literal `${`. Variables: the builtins (`${local_ip}`, `${seq}`, `${random(1000,9999)}`, ...),
/// values captured earlier in the flow (`${remote_sdp_port}`), and CSV data columns (`${data.user}`).
public struct Template: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public enum Segment: Hashable, Sendable {
        case literal(String)
        case variable(Variable)
    }

    public var segments: [Segment]

    public init(segments: [Segment]) { self.segments = segments }

    /// A template with no variables.
    public init(stringLiteral text: String) {
        segments = text.isEmpty ? [] : [.literal(text)]
    }

    /// True when the template has no variables, so `literalText` is its whole value.
    public var isLiteral: Bool {
        segments.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// The text of the literal segments joined, variables left out.
    public var literalText: String {
        segments.reduce(into: "") { text, segment in if case .literal(let part) = segment { text += part } }
    }

    /// Every variable the template refers to, in order.
    public var variables: [Variable] {
        segments.compactMap { if case .variable(let variable) = $0 { variable } else { nil } }
    }

    /// Fills the variables with `value(for:)`: the engine's per-call substitution.
    public func render(_ value: (Variable) -> String) -> String {
        var text = ""
        for segment in segments {
            switch segment {
            case .literal(let part): text += part
            case .variable(let variable): text += value(variable)
            }
        }
        return text
    }

    /// Fills the variables with `value(for:)`, appending the text's UTF-8 to `bytes`: the engine's per-message
    /// substitution into a message being written.
    public func render(into bytes: inout [UInt8], _ value: (Variable) -> String) {
        for segment in segments {
            switch segment {
            case .literal(let part): bytes.append(contentsOf: part.utf8)
            case .variable(let variable): bytes.append(contentsOf: value(variable).utf8)
            }
        }
    }

    /// The template as written in a flow file.
    public var description: String {
        segments.map { segment in
            switch segment {
            case .literal(let part): part.replacingOccurrences(of: "${", with: "$${")
            case .variable(let variable): "${\(variable)}"
            }
        }.joined()
    }
}

/// A value the engine supplies when it fills a template.
public enum Variable: Hashable, Sendable, CustomStringConvertible {
    /// One of the names in `BuiltinVariable`.
    case builtin(BuiltinVariable)
    /// A value captured by an earlier expectation; `slot` indexes `Flow.captureNames`.
    case captured(name: String, slot: Int)
    /// A column of the per-call CSV row (`--data users.csv`).
    case data(column: String)
    /// A uniformly random integer in the range, fresh at each use.
    case random(ClosedRange<Int>)

    public var description: String {
        switch self {
        case .builtin(let builtin): builtin.rawValue
        case .captured(let name, _): name
        case .data(let column): "data.\(column)"
        case .random(let range): "random(\(range.lowerBound),\(range.upperBound))"
        }
    }
}

/// Values the engine knows for every call.
public enum BuiltinVariable: String, CaseIterable, Hashable, Sendable {
    /// The call's number, counting from 1 across the run.
    case callNumber = "call_number"
    /// A counter that grows by one at each use, across the run.
    case seq
    case localIP = "local_ip"
    case localPort = "local_port"
    case remoteIP = "remote_ip"
    case remotePort = "remote_port"
    /// The request target given on the command line (a SIP URI or host).
    case target
}

extension Template {
    /// A problem found while splitting a template, with its offset (in Unicode scalars, as YAML columns count)
    /// from the template's start.
    struct ParseIssue: Error, Equatable {
        var message: String
        var hint: String?
        var offset: Int
    }

    /// Splits `text` into segments; variable names are resolved by `resolve`, which returns nil for unknown names.
    static func parse(
        _ text: String,
        resolve: (String, Int) throws(ParseIssue) -> Variable
    ) throws(ParseIssue) -> Template {
        var segments: [Segment] = []
        var literal = String.UnicodeScalarView()
        let chars = Array(text.unicodeScalars)
        var i = 0
        func flush() {
            if !literal.isEmpty { segments.append(.literal(String(literal))); literal = String.UnicodeScalarView() }
        }
        while i < chars.count {
            let c = chars[i]
            if c == "$", i + 2 < chars.count, chars[i + 1] == "$", chars[i + 2] == "{" {
                literal.append(contentsOf: "${".unicodeScalars)
                i += 3
            } else if c == "$", i + 1 < chars.count, chars[i + 1] == "{" {
                // A variable name ends on its own line: an unclosed `${` must not swallow the text after it.
                let end = chars[(i + 2)...].firstIndex { $0 == "}" || $0 == "\n" || $0 == "\r" }
                guard let close = end, chars[close] == "}" else {
                    throw ParseIssue(message: "unterminated variable '${'", hint: "close it with '}', or write '$${' for a literal '${'", offset: i)
                }
                let name = String(String.UnicodeScalarView(chars[(i + 2)..<close])).trimmingCharacters(in: .whitespaces)
                flush()
                segments.append(.variable(try resolve(name, i)))
                i = close + 1
            } else {
                literal.append(c)
                i += 1
            }
        }
        flush()
        return Template(segments: segments)
    }

    /// Parses the text inside `${...}` that is not a captured name: builtins, `data.col`, `random(a,b)`.
    static func builtinVariable(named name: String, offset: Int) throws(ParseIssue) -> Variable? {
        if let builtin = BuiltinVariable(rawValue: name) { return .builtin(builtin) }
        if name.hasPrefix("data.") {
            let column = String(name.dropFirst(5))
            guard !column.isEmpty, column.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ParseIssue(message: "bad data column name '\(column)'", hint: "columns are named by the CSV header row, e.g. ${data.user}", offset: offset)
            }
            return .data(column: column)
        }
        if name.hasPrefix("random(") {
            let usage = "write random(LOW,HIGH) with integers, e.g. ${random(1000,9999)}"
            guard name.hasSuffix(")") else {
                throw ParseIssue(message: "bad random range '\(name)'", hint: usage, offset: offset)
            }
            let bounds = name.dropFirst(7).dropLast().split(separator: ",", omittingEmptySubsequences: false)
                .map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard bounds.count == 2, let low = bounds[0], let high = bounds[1] else {
                throw ParseIssue(message: "bad random range '\(name)'", hint: usage, offset: offset)
            }
            guard low <= high else {
                throw ParseIssue(message: "random range \(low)..\(high) is empty", hint: "put the lower bound first", offset: offset)
            }
            return .random(low...high)
        }
        return nil
    }
}
