import Foundation
import Testing
import Yams
@testable import SIPFlow

/// The JSON Schema editors use must accept every built-in flow and reject what the loader rejects structurally.
@Suite struct SchemaTests {
    static func schema() throws -> [String: Any] {
        let data = Data(BuiltinFlows.schema.utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func problems(_ yaml: String) throws -> [String] {
        let schema = try Self.schema()
        var checker = SchemaChecker(root: schema)
        checker.check(Self.json(try Yams.load(yaml: yaml) ?? NSNull()), against: schema, at: "$")
        return checker.problems
    }

    /// Yams' values as JSON ones: mappings keyed by strings, integers and floats as written.
    static func json(_ value: Any) -> Any {
        if let mapping = value as? [AnyHashable: Any] {
            return Dictionary(uniqueKeysWithValues: mapping.map { ("\($0.key.base)", json($0.value)) })
        }
        if let list = value as? [Any] { return list.map(json) }
        return value
    }

    @Test func schemaIsDraft2020_12() throws {
        let schema = try Self.schema()
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["required"] as? [String] == ["parties", "steps"])
    }

    @Test(arguments: BuiltinFlows.names)
    func everyBuiltinFlowValidates(name: String) throws {
        let problems = try Self.problems(try #require(BuiltinFlows.source(named: name)))
        #expect(problems == [], "\(problems)")
    }

    @Test func richFlowValidates() throws {
        let yaml = """
            parties: [a, b]
            steps:
              - a -> b: INVITE sip:${target}
                headers: [{Subject: hi}, "Route: <sip:p;lr>"]
                body: {file: sdp/pcmu.sdp}
              - b -> a: [180, 183]
                optional: true
                timeout: 500ms
              - b -> a: 2xx
                on: {401: auth, 5xx: fail}
                assert:
                  - {header: Server, contains: kamailio}
                  - body: {regex: "m=audio"}
                capture:
                  - {var: port, from: body, regex: "m=audio (\\\\d+)"}
                  - {var: session, from: header Session-Expires}
              - pause: {normal: {mean: 2s, stddev: 500ms}}
                party: a
              - a -> b:
                raw: "BYE sip:x SIP/2.0\\r\\n\\r\\n"
            """
        _ = try FlowLoader.parse(yaml: yaml, directory: BuiltinFlowTests.flowsDirectory)
        #expect(try Self.problems(yaml) == [])
    }

    @Test func structuralMistakesAreRejected() throws {
        #expect(try Self.problems("parties: [a, b]\n") == ["$: missing required 'steps'"])
        #expect(try Self.problems("parties: [a, b]\nstep: []\nsteps: [{a -> b: OPTIONS}]\n") == ["$: unexpected key 'step'"])
        #expect(try Self.problems("parties: [a]\nsteps: [{a -> b: OPTIONS}]\n") == ["$.parties: fewer than 2 items"])
        #expect(try Self.problems("parties: [a, b]\nsteps: [{a -> b: OPTIONS, optinal: true}]\n") == ["$.steps[0]: matches none of oneOf"])
        #expect(try Self.problems("parties: [a, b]\nsteps: [{pause: 2}]\n") == ["$.steps[0]: matches none of oneOf"])
        #expect(try Self.problems("parties: [a, b]\nsteps: [{a -> b: 700}]\n") == ["$.steps[0]: matches none of oneOf"])
    }
}

/// A checker for the part of JSON Schema 2020-12 the flow schema uses. Unknown keywords are problems too, so
/// the schema cannot rely on something this checker would silently skip.
struct SchemaChecker {
    let root: [String: Any]
    var problems: [String] = []

    static let annotations: Set<String> = ["$schema", "$id", "$defs", "title", "description"]

    mutating func check(_ value: Any, against schema: [String: Any], at path: String) {
        for (keyword, rule) in schema.sorted(by: { $0.key < $1.key }) {
            switch keyword {
            case _ where Self.annotations.contains(keyword):
                break
            case "$ref":
                let name = (rule as? String ?? "").replacingOccurrences(of: "#/$defs/", with: "")
                guard let target = (root["$defs"] as? [String: Any])?[name] as? [String: Any] else {
                    problems.append("\(path): unresolved $ref \(rule)"); continue
                }
                check(value, against: target, at: path)
            case "type":
                if !Self.hasType(value, rule as? String ?? "") { problems.append("\(path): not \(rule)") }
            case "enum":
                if !(rule as? [Any] ?? []).contains(where: { "\($0)" == "\(value)" }) { problems.append("\(path): not in enum") }
            case "pattern":
                if let text = value as? String, !Self.matches(text, rule as? String ?? "") { problems.append("\(path): does not match \(rule)") }
            case "minimum":
                if let n = Self.number(value), n < Self.number(rule) ?? 0 { problems.append("\(path): below minimum") }
            case "maximum":
                if let n = Self.number(value), n > Self.number(rule) ?? 0 { problems.append("\(path): above maximum") }
            case "minItems":
                if let a = value as? [Any], a.count < rule as? Int ?? 0 { problems.append("\(path): fewer than \(rule) items") }
            case "maxItems":
                if let a = value as? [Any], a.count > rule as? Int ?? 0 { problems.append("\(path): more than \(rule) items") }
            case "uniqueItems":
                if let a = value as? [Any], Set(a.map { "\($0)" }).count != a.count { problems.append("\(path): items repeat") }
            case "items":
                if let a = value as? [Any], let itemSchema = rule as? [String: Any] {
                    for (i, item) in a.enumerated() { check(item, against: itemSchema, at: "\(path)[\(i)]") }
                }
            case "minProperties":
                if let o = value as? [String: Any], o.count < rule as? Int ?? 0 { problems.append("\(path): too few keys") }
            case "maxProperties":
                if let o = value as? [String: Any], o.count > rule as? Int ?? 0 { problems.append("\(path): too many keys") }
            case "required":
                if let o = value as? [String: Any] {
                    for key in rule as? [String] ?? [] where o[key] == nil { problems.append("\(path): missing required '\(key)'") }
                }
            case "propertyNames":
                if let o = value as? [String: Any], let nameSchema = rule as? [String: Any] {
                    for key in o.keys.sorted() { check(key, against: nameSchema, at: "\(path).\(key)") }
                }
            case "properties", "patternProperties":
                break // checked with additionalProperties below
            case "additionalProperties":
                guard let o = value as? [String: Any] else { break }
                let properties = schema["properties"] as? [String: Any] ?? [:]
                let patterns = schema["patternProperties"] as? [String: Any] ?? [:]
                for key in o.keys.sorted() {
                    var matched = false
                    if let s = properties[key] as? [String: Any] { check(o[key]!, against: s, at: "\(path).\(key)"); matched = true }
                    for (pattern, s) in patterns where Self.matches(key, pattern) {
                        check(o[key]!, against: s as? [String: Any] ?? [:], at: "\(path).\(key)"); matched = true
                    }
                    if matched { continue }
                    if let allowed = rule as? Bool {
                        if !allowed { problems.append("\(path): unexpected key '\(key)'") }
                    } else if let s = rule as? [String: Any] {
                        check(o[key]!, against: s, at: "\(path).\(key)")
                    }
                }
            case "anyOf", "oneOf":
                let count = (rule as? [[String: Any]] ?? []).filter { sub in
                    var inner = SchemaChecker(root: root)
                    inner.check(value, against: sub, at: path)
                    return inner.problems.isEmpty
                }.count
                if keyword == "anyOf", count == 0 { problems.append("\(path): matches none of anyOf") }
                if keyword == "oneOf", count != 1 { problems.append("\(path): matches \(count == 0 ? "none" : "more than one") of oneOf") }
            default:
                problems.append("\(path): checker does not know keyword '\(keyword)'")
            }
        }
        // properties without additionalProperties still apply.
        if schema["additionalProperties"] == nil, let o = value as? [String: Any] {
            for (key, s) in schema["properties"] as? [String: Any] ?? [:] {
                if let v = o[key], let s = s as? [String: Any] { check(v, against: s, at: "\(path).\(key)") }
            }
        }
    }

    static func hasType(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "string": value is String
        case "boolean": value is Bool
        case "integer": !(value is Bool) && value is Int
        case "number": !(value is Bool) && (value is Int || value is Double)
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "null": value is NSNull
        default: false
        }
    }

    static func number(_ value: Any) -> Double? {
        if value is Bool { return nil }
        if let i = value as? Int { return Double(i) }
        return value as? Double
    }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        Pattern(pattern)?.firstMatch(in: text) != nil
    }
}
