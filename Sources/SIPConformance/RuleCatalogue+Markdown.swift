/// Rendering the catalogue as documentation (`docs/conformance.md` holds this table; a test keeps it in sync).
extension RuleCatalogue {
    /// A Markdown table of the rules (all by default): ID, severity, scope, reference and summary, in catalogue order.
    public static func markdownTable(_ rules: [Rule] = all) -> String {
        var lines = [
            "| ID | Severity | Scope | Reference | Summary |",
            "|----|----------|-------|-----------|---------|",
        ]
        for r in rules {
            let summary = r.summary.replacingPipes()
            lines.append("| `\(r.id)` | \(r.severity.rawValue) | \(r.scope.rawValue) | \(r.reference.replacingPipes()) | \(summary) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// The text with `|` escaped so it stays inside one Markdown table cell.
    func replacingPipes() -> String {
        var out = ""
        for c in self { if c == "|" { out += "\\|" } else { out.append(c) } }
        return out
    }
}
