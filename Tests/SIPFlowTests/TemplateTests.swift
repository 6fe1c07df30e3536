import Foundation
import Testing
@testable import SIPFlow

@Suite struct TemplateTests {
    /// Parses with the builtins only, as a flow's first step would.
    static func parse(_ text: String) throws -> Template {
        try Template.parse(text) { (name, offset) throws(Template.ParseIssue) -> Variable in
            guard let variable = try Template.builtinVariable(named: name, offset: offset) else {
                throw Template.ParseIssue(message: "undefined \(name)", hint: nil, offset: offset)
            }
            return variable
        }
    }

    @Test func splitsLiteralsAndVariablesOnce() throws {
        let template = try Self.parse("sip:${data.user}@${remote_ip}:${remote_port};n=${random(1000,9999)}/${seq}")
        #expect(template.segments == [
            .literal("sip:"), .variable(.data(column: "user")), .literal("@"), .variable(.builtin(.remoteIP)),
            .literal(":"), .variable(.builtin(.remotePort)), .literal(";n="), .variable(.random(1000...9999)),
            .literal("/"), .variable(.builtin(.seq)),
        ])
        #expect(!template.isLiteral)
        #expect(template.description == "sip:${data.user}@${remote_ip}:${remote_port};n=${random(1000,9999)}/${seq}")
    }

    @Test func rendersByFillingSlots() throws {
        let template = try Self.parse("call ${call_number} to ${target}")
        let text = template.render { variable in
            switch variable {
            case .builtin(.callNumber): "42"
            case .builtin(.target): "sip:bob@example.com"
            default: "?"
            }
        }
        #expect(text == "call 42 to sip:bob@example.com")
    }

    @Test func dollarDollarBraceIsALiteral() throws {
        let template = try Self.parse("cost $5, literal $${seq} and ${seq}")
        #expect(template.segments == [.literal("cost $5, literal ${seq} and "), .variable(.builtin(.seq))])
        #expect(template.description == "cost $5, literal $${seq} and ${seq}")
    }

    @Test func plainTextIsOneLiteral() throws {
        #expect(try Self.parse("no variables").segments == [.literal("no variables")])
        #expect(try Self.parse("").segments.isEmpty)
        #expect(try Self.parse("a }{ b $").isLiteral)
    }

    @Test func spacesInsideBracesAreIgnored() throws {
        #expect(try Self.parse("${ local_ip }").segments == [.variable(.builtin(.localIP))])
    }

    @Test func badVariablesReportTheirOffset() {
        func issue(_ text: String) -> Template.ParseIssue? {
            do { _ = try Self.parse(text); return nil } catch { return error as? Template.ParseIssue }
        }
        #expect(issue("ab ${nope}") == Template.ParseIssue(message: "undefined nope", hint: nil, offset: 3))
        #expect(issue("é ${seq")?.offset == 2)
        #expect(issue("${random(9,1)}")?.message == "random range 9..1 is empty")
        #expect(issue("${random(1;2)}")?.message == "bad random range 'random(1;2)'")
        #expect(issue("${random(a,b)}")?.message == "bad random range 'random(a,b)'")
        #expect(issue("${data.}")?.message == "bad data column name ''")
        #expect(issue("${data.a b}")?.message == "bad data column name 'a b'")
    }

    @Test func capturedVariablesGetSlotsInFlowOrder() throws {
        let yaml = """
            parties: [caller, callee]
            steps:
              - caller -> callee: INVITE
              - callee -> caller: 200
                capture:
                  - {var: to_tag, from: header To, regex: "tag=([^;]+)"}
                  - {var: session, from: header Session-Expires}
              - caller -> callee: ACK
                headers:
                  X-Echo: "${session}/${to_tag}"
            """
        let flow = try FlowLoader.parse(yaml: yaml)
        #expect(flow.captureNames == ["to_tag", "session"])
        let ack = flow.messageSteps[2]
        #expect(ack.headers[0].value.segments == [
            .variable(.captured(name: "session", slot: 1)), .literal("/"), .variable(.captured(name: "to_tag", slot: 0)),
        ])
        let captures = flow.messageSteps[1].captures
        #expect(captures.map(\.source) == [.header("To"), .header("Session-Expires")])
        #expect(captures[0].pattern?.firstMatch(in: "<sip:b@x>;tag=abc123;x=y") == "abc123")
        #expect(captures[1].pattern == nil)
    }

    @Test func assertionsOfEveryKind() throws {
        let yaml = """
            parties: [a, b]
            steps:
              - a -> b: OPTIONS
              - b -> a: 2xx
                assert:
                  - header: Server
                    contains: kamailio
                  - {header: Allow, equals: "INVITE, ACK"}
                  - {header: X-Secret, present: false}
                  - body: {regex: "m=audio \\\\d+"}
                  - {body: , contains: "v=0"}
            """
        let step = try FlowLoader.parse(yaml: yaml).messageSteps[1]
        #expect(step.message == .response([.statusClass(2)], reason: nil))
        #expect(step.assertions.map(\.subject) == [.header("Server"), .header("Allow"), .header("X-Secret"), .body, .body])
        #expect(step.assertions.map(\.check) == [
            .contains("kamailio"), .equals("INVITE, ACK"), .present(false), .matches(Pattern("m=audio \\d+")!), .contains("v=0"),
        ])
        #expect(step.assertions[3].location == SourceLocation(file: "<flow>", line: 10, column: 9))
    }

    @Test func headersAsMapListAndStrings() throws {
        let yaml = """
            parties: [a, b]
            steps:
              - a -> b: INVITE sip:${data.user}@${remote_ip}
                headers:
                  - Subject: hi ${call_number}
                  - "Route: <sip:p1;lr>"
                  - Route: [<sip:p2;lr>, <sip:p3;lr>]
                  - "X-Bad: ${nope}"
            """
        #expect(throws: FlowError("undefined variable 'nope'", at: SourceLocation(file: "<flow>", line: 8, column: 17),
                                  hint: "capture it in an earlier step, or use one of call_number, seq, local_ip, local_port, remote_ip, remote_port, target, data.COLUMN, random(LOW,HIGH)")) {
            try FlowLoader.parse(yaml: yaml)
        }
        let fixed = yaml.replacingOccurrences(of: "${nope}", with: "ok")
        let step = try FlowLoader.parse(yaml: fixed).messageSteps[0]
        #expect(step.message == .request(.invite, requestURI: Template(segments: [
            .literal("sip:"), .variable(.data(column: "user")), .literal("@"), .variable(.builtin(.remoteIP)),
        ])))
        #expect(step.headers.map(\.name) == ["Subject", "Route", "Route", "Route", "X-Bad"])
        #expect(step.headers.map(\.value.description) == ["hi ${call_number}", "<sip:p1;lr>", "<sip:p2;lr>", "<sip:p3;lr>", "ok"])
        #expect(step.headers[0].header == .subject && step.headers[4].header == .other)
    }

    @Test func rawMessagesGetCRLFAndTheirKindFromTheStartLine() throws {
        let yaml = """
            parties: [a, b]
            steps:
              - a -> b:
                raw: |
                  OPTIONS sip:${target} SIP/2.0
                  Max-Forwards: 0
                  Content-Length: 99

              - b -> a:
                raw: "SIP/2.0 483 Too Many Hops\\r\\n\\r\\n"
            """
        let steps = try FlowLoader.parse(yaml: yaml).messageSteps
        #expect(steps[0].message == .request(.options, requestURI: nil))
        #expect(steps[0].raw?.segments == [
            .literal("OPTIONS sip:"), .variable(.builtin(.target)), .literal(" SIP/2.0\r\nMax-Forwards: 0\r\nContent-Length: 99\r\n"),
        ])
        #expect(steps[1].message == .response([.code(483)], reason: nil))
        #expect(steps[1].raw?.literalText == "SIP/2.0 483 Too Many Hops\r\n\r\n")
        #expect(steps[1].context.role == .response(to: TransactionID(step: 0), method: .options))
    }

    @Test func bodyContentTypes() throws {
        let yaml = """
            parties: [a, b]
            steps:
              - a -> b: MESSAGE
                body: hello there
              - b -> a: 200
              - a -> b: MESSAGE
                body: {text: "{\\"k\\": 1}"}
                content-type: application/json
              - b -> a: 200
              - a -> b: INFO
                body: {file: sdp/pcmu.sdp}
            """
        let steps = try FlowLoader.parse(yaml: yaml, directory: BuiltinFlowTests.flowsDirectory).messageSteps
        #expect(steps[0].body == BodyTemplate(text: "hello there", contentType: "text/plain", file: nil))
        #expect(steps[2].body == BodyTemplate(text: "{\"k\": 1}", contentType: "application/json", file: nil))
        #expect(steps[4].body?.contentType == "application/sdp" && steps[4].body?.file == "sdp/pcmu.sdp")
        #expect(steps[4].context.dialog == StepContext.DialogUsage.none)
    }

    @Test func errorsInsideABodyFilePointIntoThatFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sipflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "v=0\r\no=- 1 1 IN IP4 ${local_ip}\r\nc=IN IP4 ${locl_ip}\r\n".write(
            to: directory.appendingPathComponent("bad.sdp"), atomically: true, encoding: .utf8)
        try "parties: [a, b]\nsteps:\n  - a -> b: INVITE\n    body: bad.sdp\n".write(
            to: directory.appendingPathComponent("f.yaml"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("f.yaml").path
        #expect(throws: FlowError("undefined variable 'locl_ip'", at: SourceLocation(file: directory.path + "/bad.sdp", line: 3, column: 10),
                                  hint: "did you mean 'local_ip'?")) {
            try FlowLoader.load(nameOrPath: path)
        }
    }

    @Test func pathLikeBodiesAreFiles() {
        #expect(FlowParser.looksLikePath("sdp/pcmu.sdp"))
        #expect(FlowParser.looksLikePath("offer.sdp"))
        #expect(!FlowParser.looksLikePath("hello there"))
        #expect(!FlowParser.looksLikePath("v=0"))
        #expect(!FlowParser.looksLikePath("version 1.0"))
        #expect(!FlowParser.looksLikePath("Mr.Smith2"))
    }
}

extension TemplateTests {
    @Test func aVariableDoesNotSpanLines() {
        #expect(throws: Template.ParseIssue(message: "unterminated variable '${'", hint: "close it with '}', or write '$${' for a literal '${'", offset: 2)) {
            try Self.parse("a ${seq\n}")
        }
    }

    @Test func errorMessagesStayOnOneLine() {
        let error = FlowError("unknown key 'a\nb\u{7}'", at: SourceLocation(file: "f", line: 1, column: 1), hint: "x\ty")
        #expect(error.description == "f:1:1: error: unknown key 'a\\nb\\u{7}' (x\\ty)")
    }
}

extension TemplateTests {
    @Test func patternsReturnTheFirstGroupOrTheMatch() throws {
        let port = try #require(Pattern("m=audio (\\d+)"))
        #expect(port.groupCount == 1)
        #expect(port.firstMatch(in: "v=0\r\nm=audio 49170 RTP/AVP 0\r\n") == "49170")
        #expect(port.firstMatch(in: "v=0\r\n") == nil)
        #expect(Pattern("kam[a-z]+")?.firstMatch(in: "Server: kamailio (5.7)") == "kamailio")
        #expect(Pattern("^INVITE( .*)?$")?.firstMatch(in: "INVITE") == "")
        #expect(Pattern("(") == nil)
        #expect(Pattern("a") == Pattern("a") && Pattern("a") != Pattern("b"))
    }
}
