import Foundation
import SIPConformance
import Testing
@testable import sipflow

/// `sipflow rules` lists the whole catalogue in each format.
@Suite struct RulesCommandTests {
    @Test func textListsEveryRuleOnALine() throws {
        let r = try CLIRunner.run(["rules"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == RuleCatalogue.all.count)
        #expect(RuleCatalogue.all.count >= 30)
        for rule in RuleCatalogue.all {
            #expect(lines.contains { $0.hasPrefix(rule.id + " ") }, "missing \(rule.id)")
        }
    }

    @Test func jsonListsIdSeverityReferenceSummaryScope() throws {
        let r = try CLIRunner.run(["rules", "--format", "json"])
        #expect(r.status == 0)
        let rules = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]])
        #expect(rules.count == RuleCatalogue.all.count)
        #expect(rules.allSatisfy { $0["id"] != nil && $0["severity"] != nil && $0["reference"] != nil && $0["summary"] != nil })
    }

    @Test func scopeFilters() throws {
        let r = try CLIRunner.run(["rules", "--scope", "exchange", "--format", "json"])
        let rules = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]])
        #expect(!rules.isEmpty)
        #expect(rules.allSatisfy { $0["scope"] == "exchange" })
    }

    @Test func markdownIsATable() throws {
        let r = try CLIRunner.run(["rules", "--format", "markdown"])
        #expect(r.stdout.hasPrefix("| ID |"))
        #expect(r.stdout.split(separator: "\n").count == RuleCatalogue.all.count + 2)
    }
}
