import Foundation
import SIPCore
import Testing
@testable import SIPFlow

@Suite struct BuiltinFlowTests {
    @Test func namesListEveryFlowFile() {
        #expect(BuiltinFlows.names == ["basic-call", "cancel", "decline", "options", "register", "reinvite"])
    }

    @Test(arguments: BuiltinFlows.names)
    func everyBuiltinFlowLoadsAndCompilesForBothParties(name: String) throws {
        let flow = try FlowLoader.load(nameOrPath: name)
        #expect(flow.name == name)
        #expect(flow.parties.count == 2)
        let initiator = flow.initiatorProgram, responder = flow.responderProgram
        #expect(initiator.isInitiator && !responder.isInitiator)
        // Every message is sent by one side and expected by the other.
        let messages = flow.steps.filter { if case .message = $0.kind { true } else { false } }.count
        #expect(initiator.sends + responder.sends == messages)
        #expect(initiator.expects == responder.sends)
        #expect(responder.expects == initiator.sends)
        if case .send(let first)? = initiator.instructions.first { #expect(first.kind.isRequest) } else { Issue.record("initiator does not start by sending") }
    }

    @Test(arguments: BuiltinFlows.names)
    func builtinFlowsLoadTheSameFromTheirFiles(name: String) throws {
        let fromFile = try FlowLoader.load(nameOrPath: "\(Self.flowsDirectory)/\(name).yaml")
        let builtin = try FlowLoader.load(nameOrPath: name)
        #expect(fromFile.file.hasSuffix("flows/\(name).yaml") && builtin.file == "\(name).yaml")
        #expect(fromFile.withoutLocations() == builtin.withoutLocations())
    }

    @Test func embeddedFilesMatchTheFlowsDirectory() throws {
        let directory = URL(fileURLWithPath: Self.flowsDirectory)
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        var onDisk: [String: String] = [:]
        while let url = enumerator?.nextObject() as? URL {
            guard ["yaml", "sdp", "json"].contains(url.pathExtension) else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(directory.standardizedFileURL.path.count + 1))
            onDisk[relative] = try String(contentsOf: url, encoding: .utf8)
        }
        let stale = Set(onDisk.keys).union(BuiltinFlows.files.keys).filter { onDisk[$0] != BuiltinFlows.files[$0] }.sorted()
        #expect(stale.isEmpty, "Sources/SIPFlow/BuiltinFlowFiles.swift is stale for \(stale); run scripts/gen-builtin-flows.sh")
        #expect(onDisk.count == 8)
    }

    @Test func basicCallCallerProgramReadsLikeTheLadder() throws {
        let program = try FlowLoader.load(nameOrPath: "basic-call").program(for: "caller")
        #expect(program.transcript == [
            "send INVITE", "expect 100 optional", "expect 180 optional", "expect 200", "send ACK", "pause 2s", "send BYE", "expect 200",
        ])
        #expect(program.peer == "callee")
        #expect(program.captureNames == ["remote_sdp_port"])
    }

    @Test func basicCallCalleeProgramMirrorsItWithoutTheCallersPause() throws {
        let program = try FlowLoader.load(nameOrPath: "basic-call").program(for: "callee")
        #expect(program.transcript == [
            "expect INVITE", "send 100", "send 180", "send 200", "expect ACK", "expect BYE", "send 200",
        ])
    }

    @Test func basicCallTransactionsAndDialog() throws {
        let flow = try FlowLoader.load(nameOrPath: "basic-call")
        let contexts = flow.messageSteps.map(\.context)
        let invite = TransactionID(step: 0), bye = TransactionID(step: 6), dialog = DialogID(step: 0)
        #expect(contexts.map(\.role) == [
            .request(invite), .response(to: invite, method: .invite), .response(to: invite, method: .invite),
            .response(to: invite, method: .invite), .ack(invite: invite, for2xx: true), .request(bye),
            .response(to: bye, method: .bye),
        ])
        #expect(contexts.map(\.dialog) == [
            .creates(dialog), .creates(dialog), .creates(dialog), .creates(dialog), .within(dialog), .within(dialog),
            .within(dialog),
        ])
    }

    @Test func theCalleeKnowsTheCallerPausesBeforeBye() throws {
        let callee = try FlowLoader.load(nameOrPath: "basic-call").program(for: "callee")
        let expectations = callee.instructions.compactMap { if case .expect(let e) = $0 { e } else { nil } }
        #expect(expectations.map(\.peerPauses) == [[], [], [.fixed(.seconds(2))]])
        let caller = try FlowLoader.load(nameOrPath: "basic-call").program(for: "caller")
        #expect(caller.instructions.allSatisfy { if case .expect(let e) = $0 { e.peerPauses.isEmpty } else { true } })
    }

    @Test func cancelAnswersCancelThenInvite() throws {
        let flow = try FlowLoader.load(nameOrPath: "cancel")
        let roles = flow.messageSteps.map(\.context.role)
        let invite = TransactionID(step: 0), cancel = TransactionID(step: 4)
        #expect(roles == [
            .request(invite), .response(to: invite, method: .invite), .response(to: invite, method: .invite),
            .cancel(cancel, invite: invite), .response(to: cancel, method: .cancel),
            .response(to: invite, method: .invite), .ack(invite: invite, for2xx: false),
        ])
        #expect(flow.messageSteps.last?.context.dialog == StepContext.DialogUsage.none)
        #expect(try flow.program(for: "caller").transcript == [
            "send INVITE", "expect 100 optional", "expect 180", "pause 1s", "send CANCEL", "expect 200", "expect 487", "send ACK",
        ])
    }

    @Test func declineAcksTheFailureInsideTheInviteTransaction() throws {
        let flow = try FlowLoader.load(nameOrPath: "decline")
        let steps = flow.messageSteps
        #expect(steps[2].message == .response([.code(486)], reason: "Busy Here"))
        #expect(steps[3].context == StepContext(role: .ack(invite: TransactionID(step: 0), for2xx: false), dialog: .none))
    }

    @Test func reinviteIsInsideTheDialogAndCarriesHoldSDP() throws {
        let flow = try FlowLoader.load(nameOrPath: "reinvite")
        let steps = flow.messageSteps
        let reinvite = steps[5]
        #expect(reinvite.message.method == .invite)
        #expect(reinvite.context == StepContext(role: .request(TransactionID(step: 6)), dialog: .within(DialogID(step: 0))))
        #expect(reinvite.body?.contentType == "application/sdp")
        #expect(reinvite.body?.text.literalText.contains("a=sendonly\r\n") == true)
        #expect(steps[7].context.role == .ack(invite: TransactionID(step: 6), for2xx: true))
        #expect(steps[6].assertions.first?.check == .matches(Pattern("a=(recvonly|inactive)")!))
    }

    @Test func registerCarriesExpiresAndReactsToChallenges() throws {
        let flow = try FlowLoader.load(nameOrPath: "register")
        #expect(flow.initiator == "ua")
        let ua = try flow.program(for: "ua")
        guard case .send(let register) = ua.instructions[0], case .expect(let ok) = ua.instructions[1] else {
            Issue.record("unexpected program \(ua.transcript)"); return
        }
        #expect(register.headers == [HeaderTemplate(name: "Expires", value: "3600")])
        #expect(register.headers[0].header == .expires)
        #expect(register.context.dialog == StepContext.DialogUsage.none)
        #expect(ok.accepts(status: 200) && !ok.accepts(status: 401))
        #expect(ok.reaction(to: 401) == .auth && ok.reaction(to: 407) == .auth && ok.reaction(to: 403) == nil)
        guard case .send(let granted) = try flow.program(for: "registrar").instructions[1] else { Issue.record("no 200"); return }
        #expect(granted.status == 200 && granted.headers.map(\.name) == ["Expires"])
    }

    @Test func optionsIsOutOfDialog() throws {
        let flow = try FlowLoader.load(nameOrPath: "options")
        #expect(flow.messageSteps.map(\.context.dialog) == [.none, .none])
        #expect(flow.initiator == "client" && flow.responder == "server")
    }

    @Test func pcmuBodyIsATemplateWithTheLocalAddress() throws {
        let invite = try FlowLoader.load(nameOrPath: "basic-call").messageSteps[0]
        let body = try #require(invite.body)
        #expect(body.file == "sdp/pcmu.sdp")
        #expect(body.contentType == "application/sdp")
        #expect(body.text.variables == [.builtin(.callNumber), .builtin(.localIP), .builtin(.localIP)])
        let rendered = body.text.render { $0 == .builtin(.localIP) ? "192.0.2.1" : "7" }
        #expect(rendered.hasPrefix("v=0\r\no=sipflow 7 1 IN IP4 192.0.2.1\r\n"))
        #expect(rendered.hasSuffix("a=sendrecv\r\n"))
    }

    @Test func unknownPartyForAProgramIsAnError() throws {
        let flow = try FlowLoader.load(nameOrPath: "basic-call")
        #expect(throws: FlowError("flow 'basic-call' has no party 'calee'", at: SourceLocation(file: "basic-call.yaml", line: 0, column: 0), hint: "did you mean 'callee'?")) {
            try flow.program(for: "calee")
        }
    }

    static let flowsDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("flows").path
}

extension Flow {
    /// The flow with every location blanked, to compare flows loaded from different places.
    func withoutLocations() -> Flow {
        let nowhere = SourceLocation(file: "", line: 0, column: 0)
        var flow = self
        flow.file = ""
        for index in flow.steps.indices {
            flow.steps[index].location = nowhere
            guard case .message(var m) = flow.steps[index].kind else { continue }
            m.location = nowhere
            for i in m.assertions.indices { m.assertions[i].location = nowhere }
            for i in m.captures.indices { m.captures[i].location = nowhere }
            flow.steps[index].kind = .message(m)
        }
        return flow
    }

    var messageSteps: [MessageStep] {
        steps.compactMap { if case .message(let m) = $0.kind { m } else { nil } }
    }
}

extension PartyProgram {
    var sends: Int { instructions.filter { if case .send = $0 { true } else { false } }.count }
    var expects: Int { instructions.filter { if case .expect = $0 { true } else { false } }.count }

    /// One line per instruction, like a protocol transcript.
    var transcript: [String] {
        instructions.map { instruction in
            switch instruction {
            case .send(let m): "send \(m.kind.method?.rawValue ?? "\(m.status ?? 0)")"
            case .expect(let e):
                switch e.match {
                case .request(let method): "expect \(method)" + (e.optional ? " optional" : "")
                case .response(let statuses): "expect \(statuses.map(\.description).joined(separator: "|"))" + (e.optional ? " optional" : "")
                }
            case .pause(let delay): "pause \(delay)"
            }
        }
    }
}

extension BuiltinFlowTests {
    @Test func cancelLadderDiagram() throws {
        let flow = try FlowLoader.load(nameOrPath: "cancel")
        #expect(flow.ladderDiagram == """
            caller                          callee
              |---------- INVITE ----------->|  body
              |<------------ 100 ------------|  optional
              |<------------ 180 ------------|
              |                              |  pause 1s (caller)
              |---------- CANCEL ----------->|
              |<------------ 200 ------------|
              |<------------ 487 ------------|
              |------------ ACK ------------>|
            """)
    }
}

extension BuiltinFlowTests {
    @Test func theExampleInTheDocsLoads() throws {
        let docs = URL(fileURLWithPath: Self.flowsDirectory).deletingLastPathComponent().appendingPathComponent("docs/flow-format.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(text.range(of: "```yaml\n")), end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let flow = try FlowLoader.parse(yaml: String(text[start.upperBound..<end.lowerBound]), file: "docs.yaml", directory: Self.flowsDirectory)
        #expect(try flow.program(for: "caller").transcript == [
            "send INVITE", "expect 100 optional", "expect 180|183", "expect 200", "send ACK", "pause uniform 1s..3s", "send BYE", "expect 200",
        ])
        #expect(flow.messageSteps[5].headers[0].value.segments == [.variable(.captured(name: "remote_sdp_port", slot: 0))])
    }
}
