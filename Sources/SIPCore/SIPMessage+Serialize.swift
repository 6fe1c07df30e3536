/// Writing a message back to bytes, and message equality.
extension SIPMessage {
    /// The message in canonical form: the start line with single SPs, each header as `Name: value` on one line
    /// (folds unfolded, names as written), an empty line, then the body. Parsing the result gives an equal message.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(messageRange.count + 16)
        switch kind {
        case .request(let m):
            out.append(contentsOf: m.rawValue.utf8)
            out.append(ASCII.sp)
            out.append(contentsOf: storage[part1])
            out.append(ASCII.sp)
            out.append(contentsOf: storage[part2])
        case .response(let code):
            out.append(contentsOf: storage[part1])
            out.append(ASCII.sp)
            out.append(contentsOf: String(code).utf8)
            out.append(ASCII.sp)
            out.append(contentsOf: storage[part2])
        }
        out.append(ASCII.cr); out.append(ASCII.lf)
        for f in headers {
            out.append(contentsOf: storage[f.nameRange])
            out.append(ASCII.colon); out.append(ASCII.sp)
            out.append(contentsOf: value(of: f).bytes)
            out.append(ASCII.cr); out.append(ASCII.lf)
        }
        out.append(ASCII.cr); out.append(ASCII.lf)
        out.append(contentsOf: body)
        return out
    }

    /// The canonical form as text.
    public var text: String { String(decoding: serialized(), as: UTF8.self) }
}

extension SIPMessage: Equatable {
    /// Messages are equal when their start lines, headers (names compared without case, compact forms equal to
    /// long forms, values after unfolding) and bodies are equal. How they were spaced and folded does not count.
    public static func == (a: SIPMessage, b: SIPMessage) -> Bool {
        guard a.startLine == b.startLine, a.headers.count == b.headers.count, a.body.elementsEqual(b.body) else {
            return false
        }
        for (x, y) in zip(a.headers, b.headers) {
            guard x.name == y.name else { return false }
            if x.name == .other, !a.rawName(of: x).equalsIgnoringCase(b.rawName(of: y)) { return false }
            guard a.value(of: x) == b.value(of: y) else { return false }
        }
        return true
    }
}
