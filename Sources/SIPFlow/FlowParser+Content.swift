import Foundation
import SIPCore
import Yams

extension FlowParser {
    /// Parses `text` (the value of `node`, starting `offset` characters in) as a template used by `user`.
    mutating func template(_ text: String, node: Node, user: String, offset: Int = 0) throws(FlowError) -> Template {
        let reader = self.reader
        return try template(text, user: user) { reader.location(in: node, offset: offset + $0) }
    }

    /// Parses a template whose characters are located by `locate`; variables must be defined for `user`.
    mutating func template(_ text: String, user: String, locate: (Int) -> SourceLocation) throws(FlowError) -> Template {
        do {
            return try Template.parse(text) { (name, offset) throws(Template.ParseIssue) -> Variable in
                try resolve(name, user: user, offset: offset)
            }
        } catch {
            throw FlowError(error.message, at: locate(error.offset), hint: error.hint)
        }
    }

    /// The variable `${name}` means for `user` at this point of the flow.
    mutating func resolve(_ name: String, user: String, offset: Int) throws(Template.ParseIssue) -> Variable {
        if let variable = try Template.builtinVariable(named: name, offset: offset) {
            if case .data(let column) = variable {
                if let known = knownDataColumns, !known.contains(column) {
                    throw Template.ParseIssue(
                        message: "unknown data column '\(column)'",
                        hint: Suggestion.closest(to: column, in: known).map { "did you mean 'data.\($0)'?" }
                            ?? "the data file's columns are \(known.sorted().joined(separator: ", "))",
                        offset: offset)
                }
                dataColumns.insert(column)
            }
            return variable
        }
        if let capture = captured[name] {
            guard capture.party == user else {
                throw Template.ParseIssue(
                    message: "variable '\(name)' is captured by '\(capture.party)', not by '\(user)'",
                    hint: "a party can use only values from messages it received", offset: offset)
            }
            return .captured(name: name, slot: capture.slot)
        }
        let visible = BuiltinVariable.allCases.map(\.rawValue) + captured.filter { $0.value.party == user }.map(\.key)
        throw Template.ParseIssue(
            message: name.isEmpty ? "empty variable '${}'" : "undefined variable '\(name)'",
            hint: Suggestion.hint(for: name, in: visible)
                ?? "capture it in an earlier step, or use one of \(BuiltinVariable.allCases.map(\.rawValue).joined(separator: ", ")), data.COLUMN, random(LOW,HIGH)",
            offset: offset)
    }

    /// `headers:` as a mapping (`Expires: 3600`) or a list of one-key mappings or `Name: value` strings.
    /// A list value (`Route: [a, b]`) adds the header once per item.
    mutating func parseHeaders(_ node: Node, user: String) throws(FlowError) -> [HeaderTemplate] {
        var headers: [HeaderTemplate] = []
        guard case .sequence = node else {
            for entry in try reader.mapping(node, what: "headers") { headers += try headerValues(entry, user: user) }
            return headers
        }
        for item in try reader.sequence(node, what: "headers") {
            if case .scalar = item {
                headers.append(try headerLine(item, user: user))
                continue
            }
            let pairs = try reader.mapping(item, what: "a header")
            guard pairs.count == 1 else {
                throw reader.error("a header list item has one 'Name: value'", at: item, hint: "put each header on its own '- ' line")
            }
            headers += try headerValues(pairs[0], user: user)
        }
        return headers
    }

    /// `Name: value` or `Name: [value, value]` from a mapping entry.
    mutating func headerValues(_ entry: NodeReader.Entry, user: String) throws(FlowError) -> [HeaderTemplate] {
        try checkHeaderName(entry.key, node: entry.keyNode)
        let values: [Node] = if case .sequence(let list) = entry.value { Array(list) } else { [entry.value] }
        var headers: [HeaderTemplate] = []
        for value in values {
            let text = try reader.string(value, what: "the value of header '\(entry.key)'")
            headers.append(HeaderTemplate(name: entry.key, value: try template(text, node: value, user: user)))
        }
        return headers
    }

    /// A list item written as one string, `"Route: <sip:p1;lr>"`.
    mutating func headerLine(_ item: Node, user: String) throws(FlowError) -> HeaderTemplate {
        let line = Array(try reader.string(item, what: "a header").unicodeScalars)
        guard let colon = line.firstIndex(of: ":") else {
            throw reader.error("header '\(String(String.UnicodeScalarView(line)))' has no ':'", at: item, hint: "write 'Name: value'")
        }
        let name = String(String.UnicodeScalarView(line[..<colon])).trimmingCharacters(in: .whitespaces)
        var start = colon + 1
        while start < line.count, line[start] == " " { start += 1 }
        let value = String(String.UnicodeScalarView(line[start...])).trimmingCharacters(in: .whitespaces)
        try checkHeaderName(name, node: item)
        return HeaderTemplate(name: name, value: try template(value, node: item, user: user, offset: start))
    }

    func checkHeaderName(_ name: String, node: Node) throws(FlowError) {
        let tokenSymbols = Set("-.!%*_+`'~")
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || tokenSymbols.contains($0)) }) else {
            throw reader.error("bad header name '\(name)'", at: node, hint: "a header name is letters, digits and -.!%*_+`'~")
        }
        if HeaderName.classify(name) == .contentLength {
            throw reader.error("Content-Length is computed by the engine", at: node, hint: "use 'raw:' to send a wrong Content-Length")
        }
    }

    /// `body:` as a file next to the flow (`sdp/pcmu.sdp`), inline text, `{file: ...}` or `{text: ...}`.
    mutating func parseBody(_ node: Node, contentType: NodeReader.Entry?, user: String) throws(FlowError) -> BodyTemplate {
        var text: String
        var file: String?
        var textNode = node
        if case .mapping = node {
            let entries = try reader.mapping(node, what: "body")
            try reader.checkKeys(entries, allowed: ["file", "text"], in: "body")
            guard entries.count == 1 else {
                throw reader.error("body has either 'file' or 'text'", at: node, hint: "e.g. 'body: {file: sdp/pcmu.sdp}'")
            }
            textNode = entries[0].value
            text = try reader.string(textNode, what: "body \(entries[0].key)")
            if entries[0].key == "file" { file = text }
        } else {
            text = try reader.string(node, what: "body")
            if Self.looksLikePath(text) { file = text }
        }
        var body: Template
        if let path = file {
            guard let contents = files.read(path) else {
                throw reader.error("body file '\(path)' not found", at: textNode, hint: "looked for \(files.display(path)); write inline text with 'body: |'")
            }
            text = contents
            let shown = files.display(path)
            body = try template(contents, user: user) { Self.location(inText: contents, offset: $0, file: shown) }
        } else {
            body = try template(text, node: textNode, user: user)
        }
        body = body.withCRLFLineEnds()
        var type = text.hasPrefix("v=0") ? "application/sdp" : "text/plain"
        if let contentType { type = try reader.string(contentType.value, what: "content-type") }
        return BodyTemplate(text: body, contentType: type, file: file)
    }

    /// A one-line value without spaces that ends in `.ext` or contains `/` names a file.
    static func looksLikePath(_ text: String) -> Bool {
        guard !text.isEmpty, !text.contains(where: { $0.isWhitespace }), !text.contains("${"), !text.contains("=") else { return false }
        if text.contains("/") { return true }
        guard let dot = text.lastIndex(of: "."), dot != text.startIndex else { return false }
        let ext = text[text.index(after: dot)...]
        return (1...5).contains(ext.count) && ext.allSatisfy { $0.isLetter }
    }

    /// Line and column of the character `offset` characters into `text`, a file of its own.
    static func location(inText text: String, offset: Int, file: String) -> SourceLocation {
        var line = 1, column = 1
        for c in text.unicodeScalars.prefix(offset) {
            if c == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}
