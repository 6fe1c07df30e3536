import Foundation
import SIPCore
import SIPConformance
import Testing

/// The catalogue itself: stable, unique, well-formed IDs; every parser outcome mapped; docs in sync.
@Suite struct CatalogueTests {
    @Test func idsAreUniqueAndWellFormed() {
        let ids = RuleCatalogue.all.map(\.id)
        #expect(Set(ids).count == ids.count, "duplicate IDs: \(ids.filter { id in ids.filter { $0 == id }.count > 1 })")
        #expect(RuleCatalogue.all.count >= 45)
        for rule in RuleCatalogue.all {
            let allowed = rule.id.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" }
            #expect(allowed, "\(rule.id) is not lower-case letters, digits, '.' and '-'")
            #expect(rule.id.hasPrefix("rfc") || rule.id.hasPrefix("sipflow."), "\(rule.id) does not name its source")
            #expect(!rule.summary.isEmpty && !rule.reference.isEmpty)
            #expect(!rule.summary.contains("\n") && rule.summary.hasSuffix("."), "\(rule.id): summary is not one sentence")
            #expect(RuleCatalogue.rule(id: rule.id) == rule)
        }
        #expect(RuleCatalogue.rule(id: "no.such.rule") == nil)
    }

    @Test func rfcRuleIDsMatchTheirReference() {
        for rule in RuleCatalogue.all where rule.id.hasPrefix("rfc") {
            let parts = rule.id.split(separator: ".")
            let rfc = parts[0].dropFirst(3)
            let section = parts.dropFirst().dropLast().joined(separator: ".")
            #expect(rule.reference.contains("RFC \(rfc) §\(section)"), "\(rule.id) vs \(rule.reference)")
        }
    }

    @Test(arguments: SIPParseIssue.Kind.allCases)
    func everyParseIssueKindHasARule(_ kind: SIPParseIssue.Kind) {
        let rule = RuleCatalogue.rule(for: kind)
        #expect(RuleCatalogue.rule(id: rule.id) == rule)
        let others = SIPParseIssue.Kind.allCases.filter { $0 != kind }.map { RuleCatalogue.rule(for: $0).id }
        #expect(!others.contains(rule.id), "\(kind) shares its rule")
    }

    static let errorKinds: [SIPParseError.Kind] = [.empty, .startLine, .messageTooLarge, .tooManyHeaders, .lineTooLong]

    @Test(arguments: errorKinds)
    func everyParseErrorKindHasAnErrorRule(_ kind: SIPParseError.Kind) {
        let findings = MessageChecker().findings(for: SIPParseError(kind, line: 3, "the detail"))
        #expect(findings.count == 1)
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.line == 3 && findings.first?.message == "the detail")
        #expect(findings.first?.rule == RuleCatalogue.rule(for: kind))
        #expect(RuleCatalogue.rule(id: RuleCatalogue.rule(for: kind).id) != nil)
    }

    static let docsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/conformance.md")

    /// The doc with its rule table (every line starting with '|') replaced by `table`, or nil if it has none.
    static func replacingTable(in doc: String, with table: String) -> String? {
        var lines = doc.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("| ID |") }) else { return nil }
        var end = start
        while end < lines.count, lines[end].hasPrefix("|") { end += 1 }
        lines.replaceSubrange(start..<end, with: table.components(separatedBy: "\n").dropLast())
        return lines.joined(separator: "\n")
    }

    /// Fails when docs/conformance.md does not hold exactly the rendered table. Run with `SIPFLOW_UPDATE_DOCS=1` to
    /// rewrite the table in place.
    @Test func docsHoldTheRenderedTable() throws {
        let table = RuleCatalogue.markdownTable()
        var doc = (try? String(contentsOf: Self.docsPath, encoding: .utf8)) ?? ""
        if ProcessInfo.processInfo.environment["SIPFLOW_UPDATE_DOCS"] == "1",
           let updated = Self.replacingTable(in: doc, with: table), updated != doc {
            try updated.write(to: Self.docsPath, atomically: true, encoding: .utf8)
            doc = updated
        }
        let rows = doc.split(separator: "\n").filter { $0.hasPrefix("| `") }.count
        let inSync = doc.contains(table) && rows == RuleCatalogue.all.count
        if !inSync {
            print("docs/conformance.md is out of date (rerun with SIPFLOW_UPDATE_DOCS=1); its table must be exactly:\n\(table)")
        }
        #expect(inSync, "docs/conformance.md does not contain the rendered rule table (printed above)")
    }

    @Test func tableHasOneRowPerRuleWithEscapedCells() {
        let table = RuleCatalogue.markdownTable()
        let rows = table.split(separator: "\n").dropFirst(2)
        #expect(rows.count == RuleCatalogue.all.count)
        for (row, rule) in zip(rows, RuleCatalogue.all) {
            #expect(row.hasPrefix("| `\(rule.id)` | \(rule.severity.rawValue) | \(rule.scope.rawValue) |"))
        }
    }
}
