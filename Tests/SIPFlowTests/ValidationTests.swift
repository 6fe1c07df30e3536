import Foundation
import Testing
@testable import SIPFlow

/// Each user mistake gives one located error with a hint, printed the way compilers print them.
@Suite struct ValidationTests {
    /// The error loading `yaml` as `t.yaml` from the repository's `flows/` directory, as printed.
    static func error(_ yaml: String, dataColumns: [String]? = nil) -> String {
        do {
            _ = try FlowLoader.parse(yaml: yaml, file: "t.yaml", directory: BuiltinFlowTests.flowsDirectory, dataColumns: dataColumns)
            return "no error"
        } catch {
            return error.description
        }
    }

    /// A two-party flow whose steps are `steps`, starting on line 3.
    static func flow(_ steps: String) -> String {
        "parties: [caller, callee]\nsteps:\n" + steps
    }

    @Test func unknownPartySuggestsTheNearest() {
        #expect(Self.error(Self.flow("  - caller -> calee: INVITE\n"))
            == "t.yaml:3:15: error: unknown party 'calee' (did you mean 'callee'?)")
        #expect(Self.error(Self.flow("  - bob -> callee: INVITE\n"))
            == "t.yaml:3:5: error: unknown party 'bob' (the parties are 'caller' and 'callee')")
    }

    @Test func unknownKeysSuggestTheNearest() {
        #expect(Self.error("parties: [a, b]\nstep:\n  - a -> b: INVITE\n")
            == "t.yaml:2:1: error: unknown key 'step' in the flow (did you mean 'steps'?)")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n    optinal: true\n"))
            == "t.yaml:4:5: error: unknown key 'optinal' in a step (did you mean 'optional'?)")
        #expect(Self.error(Self.flow("  - caller -> callee: OPTIONS\n  - callee -> caller: 200\n    assert:\n      - header: Server\n        contians: x\n"))
            == "t.yaml:7:9: error: unknown key 'contians' in an assertion (did you mean 'contains'?)")
    }

    @Test func badMethodTokens() {
        #expect(Self.error(Self.flow("  - caller -> callee: INV@ITE\n"))
            == "t.yaml:3:23: error: bad method token 'INV@ITE' (a method is letters, digits and -.!%*_+`'~, e.g. INVITE)")
        #expect(Self.error(Self.flow("  - caller -> callee: invite\n"))
            == "t.yaml:3:23: error: unknown method 'invite' (methods are case-sensitive: did you mean 'INVITE'?)")
        #expect(Self.error(Self.flow("  - caller -> callee: INVTE\n"))
            == "t.yaml:3:23: error: unknown method 'INVTE' (did you mean 'INVITE'?)")
    }

    @Test func extensionMethodsAreAccepted() throws {
        let flow = try FlowLoader.parse(yaml: Self.flow("  - caller -> callee: FROBNICATE\n  - callee -> caller: 200\n"))
        #expect(flow.steps.count == 2)
    }

    @Test func statusesOutsideTheRange() {
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n  - callee -> caller: 700\n"))
            == "t.yaml:4:23: error: status 700 is outside 100–699 (SIP status codes run from 100 to 699 (RFC 3261 §7.2))")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n  - callee -> caller: [180, 99]\n"))
            == "t.yaml:4:29: error: status 99 is outside 100–699 (SIP status codes run from 100 to 699 (RFC 3261 §7.2))")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n  - callee -> caller: 7xx\n"))
            == "t.yaml:4:23: error: status class 7xx is outside 1xx–6xx (SIP status codes run from 100 to 699 (RFC 3261 §7.2))")
    }

    @Test func badDurations() {
        #expect(Self.error(Self.flow("  - caller -> callee: OPTIONS\n  - pause: 2\n"))
            == "t.yaml:4:12: error: bad duration '2' (add a unit, e.g. '2s' or '2ms')")
        #expect(Self.error(Self.flow("  - caller -> callee: OPTIONS\n    timeout: soon\n"))
            == "t.yaml:4:14: error: bad duration 'soon' (write a number and a unit: 500ms, 2s, 1.5s, 5m)")
        #expect(Self.error(Self.flow("  - caller -> callee: OPTIONS\n  - pause: {uniform: [3s, 1s]}\n"))
            == "t.yaml:4:22: error: uniform bounds are reversed (put the shorter duration first)")
        #expect(Self.error(Self.flow("  - caller -> callee: OPTIONS\n  - pause: {gaussian: {mean: 1s}}\n"))
            == "t.yaml:4:13: error: unknown key 'gaussian' in a pause distribution (allowed keys: uniform, normal, exponential)")
    }

    @Test func aPartyCannotSendToItself() {
        #expect(Self.error(Self.flow("  - caller -> caller: INVITE\n"))
            == "t.yaml:3:5: error: 'caller' sends a message to itself (a message goes from one party to the other)")
    }

    @Test func theFirstMessageMustBeARequest() {
        #expect(Self.error(Self.flow("  - pause: 1s\n  - callee -> caller: 200\n"))
            == "t.yaml:4:23: error: the first message is a response, not a request (a flow starts with a request, e.g. 'callee -> caller: INVITE')")
    }

    @Test func ackNeedsAnInviteBeforeIt() {
        #expect(Self.error(Self.flow("  - caller -> callee: OPTIONS\n  - callee -> caller: 200\n  - caller -> callee: ACK\n"))
            == "t.yaml:5:23: error: ACK without an INVITE before it (ACK acknowledges a final response to an INVITE that 'caller' sent to 'callee')")
        // An INVITE in the other direction does not count.
        #expect(Self.error(Self.flow("  - callee -> caller: INVITE\n  - caller -> callee: 200\n  - caller -> callee: ACK\n"))
            .contains("5:23: error: ACK without an INVITE before it"))
    }

    @Test func cancelNeedsAPendingInvite() {
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n  - callee -> caller: 486\n  - caller -> callee: CANCEL\n"))
            == "t.yaml:5:23: error: CANCEL without a pending INVITE to cancel (CANCEL must follow an INVITE from 'caller' to 'callee' before its final response)")
    }

    @Test func aResponseNeedsARequestToAnswer() {
        #expect(Self.error(Self.flow("  - caller -> callee: OPTIONS\n  - callee -> caller: 200\n  - callee -> caller: 200\n"))
            == "t.yaml:5:23: error: response 200 has no request to answer (a response answers the latest request from 'caller' to 'callee' that has no final response yet)")
        // A provisional response leaves the request open.
        #expect(Self.error(Self.flow("  - caller -> callee: OPTIONS\n  - callee -> caller: 183\n  - callee -> caller: 200\n")) == "no error")
    }

    @Test func missingBodyFile() {
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n    body: sdp/missing.sdp\n"))
            == "t.yaml:4:11: error: body file 'sdp/missing.sdp' not found (looked for \(BuiltinFlowTests.flowsDirectory)/sdp/missing.sdp; write inline text with 'body: |')")
    }

    @Test func undefinedVariablesPointAtTheDollar() {
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n    headers:\n      Subject: call ${cal_number}\n"))
            == "t.yaml:5:21: error: undefined variable 'cal_number' (did you mean 'call_number'?)")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n    headers:\n      Subject: \"x ${nothing_like_it}\"\n")).hasPrefix(
            "t.yaml:5:19: error: undefined variable 'nothing_like_it' (capture it in an earlier step, or use one of call_number, seq"))
        #expect(Self.error(Self.flow("  - caller -> callee: MESSAGE\n    body: |\n      hello\n      you ${there\n"))
            == "t.yaml:6:11: error: unterminated variable '${' (close it with '}', or write '$${' for a literal '${')")
    }

    @Test func capturedVariablesBelongToTheReceiver() {
        let steps = """
              - caller -> callee: INVITE
              - callee -> caller: 200
                capture:
                  - var: port
                    from: body
                    regex: "m=audio (\\\\d+)"
              - caller -> callee: ACK
                headers:
                  X-Port: ${port}
              - callee -> caller: BYE
                headers:
                  X-Port: ${port}

            """
        #expect(Self.error(Self.flow(steps))
            == "t.yaml:14:15: error: variable 'port' is captured by 'caller', not by 'callee' (a party can use only values from messages it received)")
        // A capture is not visible before the step that makes it.
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n    headers: {X-A: \"${later}\"}\n  - callee -> caller: 200\n    capture: [{var: later, from: header To}]\n"))
            == "t.yaml:4:21: error: undefined variable 'later' (capture it in an earlier step, or use one of call_number, seq, local_ip, local_port, remote_ip, remote_port, target, data.COLUMN, random(LOW,HIGH))")
    }

    @Test func duplicateCaptureNames() {
        let steps = """
              - caller -> callee: INVITE
              - callee -> caller: 180
                capture: [{var: tag, from: header To}]
              - callee -> caller: 200
                capture: [{var: tag, from: header To}]

            """
        #expect(Self.error(Self.flow(steps))
            == "t.yaml:7:21: error: variable 'tag' is captured twice (first captured at line 5; choose another name)")
    }

    @Test func emptySteps() {
        #expect(Self.error("parties: [a, b]\nsteps: []\n")
            == "t.yaml:2:1: error: flow has no steps (list the messages, e.g. '- caller -> callee: OPTIONS')")
        #expect(Self.error("parties: [a, b]\nsteps:\n")
            == "t.yaml:2:1: error: flow has no steps (list the messages, e.g. '- caller -> callee: OPTIONS')")
        #expect(Self.error("parties: [a, b]\nsteps:\n  - pause: 1s\n")
            == "t.yaml:2:1: error: flow has pauses but no messages (add a message, e.g. '- a -> b: OPTIONS')")
        #expect(Self.error("parties: [a, b]\n") == "t.yaml:1:1: error: flow has no 'steps' (add 'steps:' with the ladder of messages)")
    }

    @Test func yamlSyntaxErrorsAreLocated() {
        #expect(Self.error("parties: [a, b\nsteps: []\n").hasPrefix("t.yaml:2:6: error: YAML syntax error: did not find expected ',' or ']'"))
        #expect(Self.error("parties: [a, b]\nsteps:\n  - a -> b: INVITE\n   bad: indent\n").hasPrefix("t.yaml:4:4: error: YAML syntax error: did not find expected '-' indicator (while parsing a block collection at line 3, column 3)"))
        #expect(Self.error("parties: [a, b]\nparties: [a, b]\nsteps: []\n") == "t.yaml:1:1: error: duplicate key 'parties' (each key appears once in a mapping)")
        #expect(Self.error("") == "t.yaml: error: flow file is empty (start with 'parties:' and 'steps:')")
        #expect(Self.error("- a\n- b\n") == "t.yaml:1:1: error: a flow file must be a mapping of keys to values, not a list")
    }

    @Test func partiesMustBeTwoDistinctNames() {
        #expect(Self.error("parties: [a]\nsteps: []\n") == "t.yaml:1:10: error: a flow has two parties, not 1 (e.g. 'parties: [caller, callee]')")
        #expect(Self.error("parties: [a, a]\nsteps: []\n") == "t.yaml:1:14: error: party 'a' is listed twice (name the two sides differently)")
    }

    @Test func dataColumnsAreCheckedWhenKnown() throws {
        let yaml = Self.flow("  - caller -> callee: REGISTER\n    headers:\n      X-User: ${data.usr}\n")
        #expect(Self.error(yaml, dataColumns: ["user", "password"]) == "t.yaml:5:15: error: unknown data column 'usr' (did you mean 'data.user'?)")
        let flow = try FlowLoader.parse(yaml: yaml)
        #expect(flow.dataColumns == ["usr"])
    }

    @Test func rawMessages() throws {
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n    raw: x\n    headers: {A: b}\n"))
            == "t.yaml:5:5: error: 'headers' cannot be used with 'raw' (a raw message is sent exactly as written)")
        #expect(Self.error(Self.flow("  - caller -> callee:\n    raw: garbage\n"))
            == "t.yaml:4:10: error: cannot tell the method or status of this raw message (name it on the arrow, e.g. 'caller -> callee: INVITE')")
        #expect(Self.error(Self.flow("  - caller -> callee:\n"))
            == "t.yaml:3:22: error: message step names no method or status (e.g. 'caller -> callee: INVITE' or 'callee -> caller: 200')")
    }

    @Test func otherMistakes() {
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n    on: {401: auth}\n"))
            == "t.yaml:4:5: error: 'on' applies to response steps (list statuses to react to on the step that expects the response)")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n  - callee -> caller: 200\n    on: {401: authenticate}\n"))
            == "t.yaml:5:15: error: unknown reaction 'authenticate' (reactions are auth and fail)")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n  - callee -> caller: 200\n    assert: [{body: {regex: \"(\"}}]\n"))
            == "t.yaml:5:29: error: bad regular expression '(' (the syntax is ICU's, as NSRegularExpression reads it)")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n    headers: {Content-Length: 5}\n"))
            == "t.yaml:4:15: error: Content-Length is computed by the engine (use 'raw:' to send a wrong Content-Length)")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n  - callee -> caller: 200\n    capture: [{var: seq, from: body}]\n"))
            == "t.yaml:5:21: error: 'seq' is a builtin variable (choose another name)")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n  - pause: 1s\n    party: calee\n"))
            == "t.yaml:5:12: error: unknown party 'calee' (did you mean 'callee'?)")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE\n    callee -> caller: 200\n"))
            == "t.yaml:4:5: error: a step sends one message, this one has 2 (start a new step with '- ')")
        #expect(Self.error(Self.flow("  - caller -> callee: INVITE sip\n"))
            == "t.yaml:3:30: error: bad request URI 'sip' (write 'METHOD sip:user@host', or just the method)")
    }

    @Test func namesAndPaths() {
        func loadError(_ name: String) -> String {
            do { _ = try FlowLoader.load(nameOrPath: name); return "no error" } catch { return error.description }
        }
        #expect(loadError("basic-cal") == "basic-cal: error: no built-in flow named 'basic-cal' (did you mean 'basic-call'?)")
        #expect(loadError("nowhere/x.yaml") == "nowhere/x.yaml: error: flow file 'nowhere/x.yaml' not found (check the path)")
    }

    @Test func errorsPrintWithoutAHintWhenThereIsNone() {
        let error = FlowError("x is wrong", at: SourceLocation(file: "f.yaml", line: 2, column: 3))
        #expect(error.description == "f.yaml:2:3: error: x is wrong")
        #expect(error.file == "f.yaml" && error.line == 2 && error.column == 3)
        #expect((error as any Error).localizedDescription == "f.yaml:2:3: error: x is wrong")
    }
}
