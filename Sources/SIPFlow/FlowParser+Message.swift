import Foundation
import SIPCore
import Yams

extension FlowParser {
    mutating func parseMessageStep(arrow: NodeReader.Entry, entries: [NodeReader.Entry], index: Int) throws(FlowError) -> MessageStep {
        let (from, to) = try parseArrow(arrow)
        let value = { (key: String) in entries.first { $0.key == key } }
        let rawEntry = value("raw")

        var raw: Template?
        if let rawEntry {
            for key in ["headers", "body", "content-type"] {
                if let clash = value(key) {
                    throw reader.error("'\(key)' cannot be used with 'raw'", at: clash.keyNode, hint: "a raw message is sent exactly as written")
                }
            }
            let text = try reader.string(rawEntry.value, what: "raw")
            raw = try template(text, node: rawEntry.value, user: from).withCRLFLineEnds()
        }

        let message = try parseMessageKind(arrow.value, raw: raw, rawNode: rawEntry?.value, user: from)
        let anchor = reader.isNull(arrow.value) ? arrow.keyNode : arrow.value
        if !steps.contains(where: { if case .message = $0.kind { true } else { false } }), !message.isRequest {
            throw reader.error("the first message is a response, not a request", at: anchor, hint: "a flow starts with a request, e.g. '\(from) -> \(to): INVITE'")
        }

        let context: StepContext
        do {
            switch message {
            case .request(let method, _): context = try ladder.request(method, step: index, from: from, to: to)
            case .response: context = try ladder.response(message.sentStatus ?? 0, from: from, to: to)
            }
        } catch {
            throw reader.error(error.message, at: anchor, hint: error.hint)
        }

        var step = MessageStep(from: from, to: to, message: message, context: context, location: reader.location(arrow.keyNode))
        step.raw = raw
        if let entry = value("headers") { step.headers = try parseHeaders(entry.value, user: from) }
        if let entry = value("body") {
            step.body = try parseBody(entry.value, contentType: value("content-type"), user: from)
        } else if let entry = value("content-type") {
            throw reader.error("'content-type' without a body", at: entry.keyNode, hint: "add 'body:' or drop 'content-type'")
        }
        try parseExpectationKeys(into: &step, entries: entries)
        return step
    }

    /// `from -> to`, each a known party, and not the same one.
    func parseArrow(_ arrow: NodeReader.Entry) throws(FlowError) -> (String, String) {
        let key = arrow.key
        guard let range = key.range(of: "->") else { preconditionFailure("arrow keys contain '->'") }
        let left = key[..<range.lowerBound], right = key[range.upperBound...]
        let fromName = left.trimmingCharacters(in: .whitespaces)
        let toName = right.trimmingCharacters(in: .whitespaces)
        let usage = "write the step as 'from -> to: MESSAGE'"
        guard !fromName.isEmpty else { throw reader.error("message step has no sender", at: arrow.keyNode, hint: usage) }
        guard !toName.isEmpty else { throw reader.error("message step has no receiver", at: arrow.keyNode, hint: usage) }
        let fromOffset = left.prefix { $0 == " " || $0 == "\t" }.count
        let toOffset = key.distance(from: key.startIndex, to: range.upperBound) + right.prefix { $0 == " " || $0 == "\t" }.count
        let from = try party(fromName, in: arrow.keyNode, offset: fromOffset)
        let to = try party(toName, in: arrow.keyNode, offset: toOffset)
        guard from != to else {
            throw reader.error("'\(from)' sends a message to itself", at: arrow.keyNode, hint: "a message goes from one party to the other")
        }
        return (from, to)
    }

    /// The arrow's value: `INVITE`, `INVITE sip:${target}`, `200`, `486 Busy Here`, `2xx`, `[180, 183]`.
    mutating func parseMessageKind(_ node: Node, raw: Template?, rawNode: Node?, user: String) throws(FlowError) -> MessageKind {
        if reader.isNull(node) {
            guard let raw, let rawNode else {
                throw reader.error("message step names no method or status", at: node, hint: "e.g. 'caller -> callee: INVITE' or 'callee -> caller: 200'")
            }
            return try inferKind(fromRaw: raw, node: rawNode)
        }
        if case .sequence = node {
            let items = try reader.sequence(node, what: "alternatives")
            guard !items.isEmpty else { throw reader.error("empty list of statuses", at: node, hint: "list the statuses to accept, e.g. [180, 183]") }
            var patterns: [StatusPattern] = []
            for item in items {
                let text = try reader.string(item, what: "an alternative")
                guard let pattern = try statusPattern(text, node: item) else {
                    throw reader.error("'\(text)' is not a status", at: item, hint: "alternatives are statuses or classes, e.g. [180, 183] or [2xx]")
                }
                patterns.append(pattern)
            }
            return .response(patterns, reason: nil)
        }
        let text = try reader.string(node, what: "a message")
        let head = String(text.prefix { !$0.isWhitespace })
        let rest = text.dropFirst(head.count).trimmingCharacters(in: .whitespaces)
        let restOffset = text.count - rest.count
        if let pattern = try statusPattern(head, node: node) {
            let reason = rest.isEmpty ? nil : try template(rest, node: node, user: user, offset: restOffset)
            return .response([pattern], reason: reason)
        }
        let method = try parseMethod(head, node: node)
        guard !rest.isEmpty else { return .request(method, requestURI: nil) }
        guard rest.contains(":") || rest.hasPrefix("${") else {
            throw FlowError("bad request URI '\(rest)'", at: reader.location(in: node, offset: restOffset), hint: "write 'METHOD sip:user@host', or just the method")
        }
        return .request(method, requestURI: try template(rest, node: node, user: user, offset: restOffset))
    }

    /// A status `200` or class `2xx`; nil when `text` is neither digits nor a class.
    func statusPattern(_ text: String, node: Node) throws(FlowError) -> StatusPattern? {
        let hint = "SIP status codes run from 100 to 699 (RFC 3261 §7.2)"
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard text.count <= 3, let code = Int(text), (100...699).contains(code) else {
                throw reader.error("status \(text) is outside 100–699", at: node, hint: hint)
            }
            return .code(code)
        }
        let chars = Array(text.lowercased())
        if chars.count == 3, chars[1] == "x", chars[2] == "x", let digit = chars[0].wholeNumberValue, chars[0].isASCII {
            guard (1...6).contains(digit) else {
                throw reader.error("status class \(text) is outside 1xx–6xx", at: node, hint: hint)
            }
            return .statusClass(digit)
        }
        return nil
    }

    /// A method token (RFC 3261 §25.1); known methods are case-sensitive, and near-misses are typos.
    func parseMethod(_ text: String, node: Node) throws(FlowError) -> SIPMethod {
        let tokenSymbols = Set("-.!%*_+`'~")
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || tokenSymbols.contains($0)) }) else {
            throw reader.error("bad method token '\(text)'", at: node, hint: "a method is letters, digits and -.!%*_+`'~, e.g. INVITE")
        }
        let known = SIPMethod.known.map(\.rawValue)
        if known.contains(text) { return SIPMethod(text) }
        if let same = known.first(where: { $0 == text.uppercased() }) {
            throw reader.error("unknown method '\(text)'", at: node, hint: "methods are case-sensitive: did you mean '\(same)'?")
        }
        if let near = Suggestion.closest(to: text, in: known) {
            throw reader.error("unknown method '\(text)'", at: node, hint: "did you mean '\(near)'?")
        }
        return SIPMethod(text)
    }

    /// What a raw message is, read from its start line: `SIP/2.0 200 OK` or `INVITE sip:... SIP/2.0`.
    func inferKind(fromRaw raw: Template, node: Node) throws(FlowError) -> MessageKind {
        guard case .literal(let start)? = raw.segments.first else {
            throw reader.error("cannot tell the method or status of this raw message", at: node, hint: "name it on the arrow, e.g. 'caller -> callee: INVITE'")
        }
        let words = start.prefix { $0 != "\r" && $0 != "\n" }.split(separator: " ")
        if words.first == "SIP/2.0", words.count > 1, let code = Int(words[1]), (100...699).contains(code) {
            return .response([.code(code)], reason: nil)
        }
        if let first = words.first, words.count > 1, let method = try? parseMethod(String(first), node: node) {
            return .request(method, requestURI: nil)
        }
        throw reader.error("cannot tell the method or status of this raw message", at: node, hint: "name it on the arrow, e.g. 'caller -> callee: INVITE'")
    }
}

extension Template {
    /// Line ends as SIP wants them: each bare LF in the literal text becomes CRLF (RFC 3261 §7).
    func withCRLFLineEnds() -> Template {
        Template(segments: segments.map { segment in
            guard case .literal(let text) = segment else { return segment }
            var out = ""
            var previous: Character?
            for c in text.unicodeScalars.map(Character.init) {
                if c == "\n", previous != "\r" { out += "\r\n" } else { out.append(c) }
                previous = c
            }
            return .literal(out)
        })
    }
}
