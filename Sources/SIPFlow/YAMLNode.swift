import Yams

/// Reads a Yams node tree with locations: every accessor throws a `FlowError` that points at the node.
struct NodeReader {
    let file: String
    /// The flow's text, to work out columns inside block scalars.
    let lines: [Substring]

    init(file: String, source: String) {
        self.file = file
        self.lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func location(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(file: file, line: 0, column: 0) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func error(_ message: String, at node: Node, hint: String? = nil) -> FlowError {
        FlowError(message, at: location(node), hint: hint)
    }

    /// A key of a mapping, with its node for locations.
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
    }

    /// The entries of a mapping, in file order; keys must be plain text.
    func mapping(_ node: Node, what: String) throws(FlowError) -> [Entry] {
        guard case .mapping(let mapping) = node else {
            throw error("\(what) must be a mapping of keys to values, not \(kind(of: node))", at: node)
        }
        var entries: [Entry] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw error("a key in \(what) must be text, not \(kind(of: key))", at: key)
            }
            entries.append(Entry(key: scalar.string, keyNode: key, value: value))
        }
        return entries
    }

    /// Rejects keys not in `allowed`, suggesting the nearest.
    func checkKeys(_ entries: [Entry], allowed: [String], in what: String) throws(FlowError) {
        for entry in entries where !allowed.contains(entry.key) {
            throw error(
                "unknown key '\(entry.key)' in \(what)", at: entry.keyNode,
                hint: Suggestion.hint(for: entry.key, in: allowed)
                    ?? "allowed keys: \(allowed.joined(separator: ", "))")
        }
    }

    func sequence(_ node: Node, what: String) throws(FlowError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error("\(what) must be a list, not \(kind(of: node))", at: node)
        }
        return Array(sequence)
    }

    /// The text of a scalar; numbers and booleans are returned as written.
    func string(_ node: Node, what: String) throws(FlowError) -> String {
        guard case .scalar(let scalar) = node, !isNull(node) else {
            throw error("\(what) must be text, not \(kind(of: node))", at: node)
        }
        return scalar.string
    }

    func bool(_ node: Node, what: String) throws(FlowError) -> Bool {
        if let value = node.bool, case .scalar = node { return value }
        throw error("\(what) must be true or false", at: node)
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func kind(of node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar: isNull(node) ? "nothing" : "'\(node.string ?? "")'"
        }
    }

    /// The location of the character `offset` characters into the scalar's value.
    ///
    /// Exact for plain, quoted (without escapes before the offset) and literal (`|`) scalars; other styles
    /// point at the scalar itself.
    func location(in node: Node, offset: Int) -> SourceLocation {
        let start = location(node)
        guard case .scalar(let scalar) = node, start.line > 0 else { return start }
        switch scalar.style {
        case .plain, .singleQuoted, .doubleQuoted:
            let before = Array(scalar.string.unicodeScalars).prefix(offset)
            guard !before.contains("\n") else { return start }
            let quote = scalar.style == .plain ? 0 : 1
            return SourceLocation(file: file, line: start.line, column: start.column + quote + before.count)
        case .literal:
            let before = Array(scalar.string.unicodeScalars).prefix(offset)
            let lineIndex = before.filter { $0 == "\n" }.count
            let column = before.count - (before.lastIndex(of: "\n").map { $0 + 1 } ?? 0)
            let sourceLine = start.line + 1 + lineIndex
            guard sourceLine - 1 < lines.count else { return start }
            let indent = lines[sourceLine - 1].prefix { $0 == " " }.count
            return SourceLocation(file: file, line: sourceLine, column: indent + column + 1)
        default:
            return start
        }
    }
}
