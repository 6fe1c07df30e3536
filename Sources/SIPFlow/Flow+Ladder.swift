extension Flow {
    /// The flow drawn as an RFC 3665-style ladder, one line per step, for `sipflow flows show`.
    ///
    /// ```
    /// caller                        callee
    ///   |----------- INVITE ----------->|
    ///   |<------------ 100 -------------|  optional
    /// ```
    public var ladderDiagram: String {
        let width = 30
        let left = initiator, right = responder
        var lines = [left.padding(toLength: width + 2, withPad: " ", startingAt: 0) + right]
        for step in steps {
            switch step.kind {
            case .pause(let pause):
                lines.append("  |" + String(repeating: " ", count: width) + "|  pause \(pause.delay) (\(pause.party))")
            case .message(let m):
                let label = " \(m.message) "
                let dashes = max(2, width - 1 - label.count)
                let before = String(repeating: "-", count: dashes / 2), after = String(repeating: "-", count: dashes - dashes / 2)
                let arrow = m.from == left ? before + label + after + ">" : "<" + before + label + after
                var notes: [String] = []
                if m.raw != nil { notes.append("raw") }
                if m.body != nil { notes.append("body") }
                if m.optional { notes.append("optional") }
                lines.append("  |" + arrow + "|" + (notes.isEmpty ? "" : "  " + notes.joined(separator: ", ")))
            }
        }
        return lines.joined(separator: "\n")
    }
}
