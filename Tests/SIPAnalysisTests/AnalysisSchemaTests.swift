import Foundation
import Testing
@testable import SIPAnalysis

/// docs/analysis.schema.json stays true to what `--format json` writes: each object's keys are the properties the
/// schema names, and each required one is there.
@Suite struct AnalysisSchemaTests {
    static let schemaURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/analysis.schema.json")

    @Test func everyObjectMatchesItsSchema() throws {
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.schemaURL)) as? [String: Any])
        let defs = try #require(schema["$defs"] as? [String: Any])
        var f = CallFixtures()
        var options = AnalysisOptions()
        options.ladders = true
        var analyzer = CaptureAnalyzer(options: options)
        let invite = f.request("INVITE", maxForwards: false)
        var calls = analyzer.run([f.udp(invite, at: 0), f.udp(invite, at: 500), f.udp(invite, at: 1500)], finish: false)
        calls += analyzer.run(Array(f.basicCall(at: 2000).dropFirst()))
        analyzer.skip(packet: 9, reason: "not-ip", detail: "ARP")
        var text = ""
        var writer = AnalysisJSONWriter(files: ["x.pcap"]) { text += $0 }
        for call in calls { writer.add(call) }
        writer.finish(analyzer.summary, inputErrors: [])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])

        try Self.check(document, against: schema, "document")
        let call = try #require((document["calls"] as? [[String: Any]])?.first)
        try Self.check(call, against: defs["call"], "call")
        try Self.check(try #require((call["transactions"] as? [[String: Any]])?.first), against: defs["transaction"], "transaction")
        try Self.check(try #require((call["findings"] as? [[String: Any]])?.first), against: defs["finding"], "finding")
        try Self.check(try #require((call["ladder"] as? [[String: Any]])?.first), against: defs["message"], "message")
        let summary = try #require(document["summary"] as? [String: Any])
        try Self.check(summary, against: defs["summary"], "summary")
        try Self.check(try #require(summary["retransmissions"] as? [String: Any]),
                       against: (defs["summary"] as? [String: Any]).flatMap { ($0["properties"] as? [String: Any])?["retransmissions"] },
                       "retransmissions")
        try Self.check(try #require(summary["register"] as? [String: Any]), against: defs["transactions"], "register")
        let invites = try #require(summary["invite"] as? [String: Any])
        try Self.check(try #require(invites["sessionRequestDelayMs"] as? [String: Any]), against: defs["percentiles"], "percentiles")
    }

    static func check(_ object: [String: Any], against schema: Any?, _ name: String) throws {
        let schema = try #require(schema as? [String: Any], "\(name): no schema")
        let properties = Set(try #require(schema["properties"] as? [String: Any], "\(name): no properties").keys)
        let required = Set(schema["required"] as? [String] ?? [])
        let keys = Set(object.keys)
        #expect(keys.subtracting(properties).isEmpty, "\(name): written but not in the schema: \(keys.subtracting(properties).sorted())")
        #expect(required.subtracting(keys).isEmpty, "\(name): required but not written: \(required.subtracting(keys).sorted())")
        #expect(required.isSubset(of: properties), "\(name): required names a property the schema lacks")
    }
}
