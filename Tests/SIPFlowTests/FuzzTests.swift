import Foundation
import Testing
import TestSupport
@testable import SIPFlow

/// Random mutations of the built-in flows must load or fail with a located `FlowError`, never crash.
@Suite struct FuzzTests {
    static let fragments = [
        ":", ": ", "-", "- ", " ", "  ", "\n", "\n  - ", "[", "]", "{", "}", "$", "${", "${x}", "${seq", "}", "\"", "'",
        "|", ">", "&a ", "*a", "\t", "é", "\u{0}", "\u{FEFF}", "->", " -> ", "2xx", "999", "0", "-1s", "ACK", "CANCEL",
        "caller", "callee", "body: ", "pause: ", "raw: ", "on: {401: auth}", "capture: [{var: v, from: body}]",
        "assert: [{header: A, equals: b}]", "optional: true", "timeout: 1ms", "headers: {A: b}", "---\n", "#", "%", "!!str ",
        "${random(1,", "${data.", "\\", "\r\n",
    ]

    /// Mutations per flow: 400, or `SIPFLOW_FUZZ_ITERATIONS` for a longer run.
    static let iterations = ProcessInfo.processInfo.environment["SIPFLOW_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 400

    static func mutate(_ text: String, using rng: inout SplitMix64) -> String {
        var chars = Array(text.unicodeScalars)
        let edits = Int.random(in: 1...4, using: &rng)
        for _ in 0..<edits {
            let position = chars.isEmpty ? 0 : Int.random(in: 0..<chars.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:
                let length = min(chars.count - position, Int.random(in: 1...12, using: &rng))
                if length > 0 { chars.removeSubrange(position..<(position + length)) }
            case 1, 2:
                let fragment = fragments[Int.random(in: 0..<fragments.count, using: &rng)]
                chars.insert(contentsOf: fragment.unicodeScalars, at: position)
            case 3:
                if !chars.isEmpty { chars[position] = Unicode.Scalar(UInt8.random(in: 0x20...0x7e, using: &rng)) }
            case 4:
                var lines = String(String.UnicodeScalarView(chars)).split(separator: "\n", omittingEmptySubsequences: false)
                if lines.count > 1 {
                    let a = Int.random(in: 0..<lines.count, using: &rng), b = Int.random(in: 0..<lines.count, using: &rng)
                    lines.swapAt(a, b)
                }
                chars = Array(lines.joined(separator: "\n").unicodeScalars)
            default:
                chars = Array(chars.prefix(position))
            }
        }
        return String(String.UnicodeScalarView(chars))
    }

    /// A seed that uses every kind of key, so mutations reach the assert, capture, on, raw and pause paths.
    static let richFlow = """
        parties: [a, b]
        steps:
          - a -> b: INVITE sip:${data.user}@${remote_ip}:${remote_port}
            headers: [{Subject: "hi ${random(1,9)}"}, "Route: <sip:p;lr>", {Route: [x, y]}]
            body: {file: sdp/pcmu.sdp}
          - b -> a: [180, 183]
            optional: true
            timeout: 500ms
          - b -> a: 2xx
            on: {401: auth, 5xx: fail}
            assert:
              - {header: Server, contains: kamailio}
              - body: {regex: "m=audio"}
              - {header: X, present: false}
            capture:
              - {var: port, from: body, regex: 'm=audio (\\d+)'}
              - {var: session, from: header Session-Expires}
          - a -> b: ACK
            headers: {X-Port: "${port}"}
          - pause: {normal: {mean: 2s, stddev: 500ms}}
            party: a
          - pause: {exponential: {mean: 1s}}
          - a -> b:
            raw: |
              BYE sip:${target} SIP/2.0
              X: $${literal} ${seq}
          - b -> a: 200 OK ${call_number}
        """

    static let seeds = BuiltinFlows.names + ["rich"]

    @Test(arguments: seeds)
    func mutatedBuiltinFlowsNeverCrash(name: String) throws {
        let source = try #require(name == "rich" ? Self.richFlow : BuiltinFlows.source(named: name))
        _ = try FlowLoader.parse(yaml: source, file: "seed.yaml", builtin: true)
        var rng = SplitMix64(seed: 0x5EED_0000 &+ UInt64(name.utf8.count))
        var loaded = 0, rejected = 0
        for _ in 0..<Self.iterations {
            let text = Self.mutate(source, using: &rng)
            do {
                let flow = try FlowLoader.parse(yaml: text, file: "fuzz.yaml", builtin: true)
                for party in flow.parties {
                    let program = try flow.program(for: party)
                    #expect(program.party == party)
                }
                loaded += 1
            } catch {
                rejected += 1
                // libyaml breaks lines at CR, LF, NEL and the Unicode separators.
                let lines = text.unicodeScalars.filter { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) }.count + 1
                #expect(error.file == "fuzz.yaml")
                #expect((0...lines + 1).contains(error.line), "\(error) for:\n\(text)")
                #expect(error.line == 0 || error.column >= 1, "\(error)")
                #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(error)")
            }
        }
        // The mutations exercise both paths.
        #expect(loaded >= Self.iterations / 100 && rejected >= Self.iterations / 4, "loaded \(loaded), rejected \(rejected)")
    }

    /// Inputs that once broke a loader like this one; each must give a located error.
    @Test(arguments: [
        "", "\u{0}", "---\n---\n", "parties: *a", "a: &a [*a]", "parties: [a, b]\nsteps: [[]]", "parties: [a, b]\nsteps: [{}]",
        "parties: [a, b]\nsteps:\n  - a -> b: ${x", "parties: [a, b]\nsteps:\n  - ->: INVITE", "parties: [a, b]\nsteps:\n  - a -> : 200",
        "parties: [[a], b]\nsteps: []", "parties: [a, b]\nsteps:\n  - {[a]: b}", "parties: [a, b]\nsteps:\n  - a -> b: [INVITE]",
        "parties: [a, b]\nsteps:\n  - a -> b: OPTIONS\n  - pause: {uniform: [1s]}",
        "parties: [a, b]\nsteps:\n  - a -> b: OPTIONS\n    headers: [[]]", "parties: [a, b]\nsteps:\n  - a -> b: '0'",
        "parties: [a, b]\nsteps:\n  - a -> b: OPTIONS\n    headers: {'': x}", "\u{FEFF}parties: [a, b]\nsteps: 3",
        "parties: [a, b]\nsteps:\n  - a -> b: OPTIONS\n    body: {}", "parties: [a, b]\nsteps:\n  - a -> b: OPTIONS\n    timeout: 1e400s",
    ])
    func pastCrashCandidatesGiveErrors(yaml: String) {
        #expect(throws: FlowError.self) { try FlowLoader.parse(yaml: yaml, file: "x.yaml") }
    }
}
