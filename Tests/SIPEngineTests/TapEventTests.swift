import Foundation
import NIOCore
import SIPCore
import SIPFlow
import SIPTransaction
import SIPTransport
import Testing
@testable import SIPEngine

/// What each tap event says, on both sides of a call and against misbehaving peers: one event a message, in the
/// order the messages crossed (a received message before what its handling sent), its addresses and transport,
/// its call's number (`Call.number`, from 0), and the rules the engine's checks found on it.
@Suite(.serialized) struct TapEventTests {
    struct Side {
        var stats: CallStatistics
        var events: [SIPTapEvent]
        var local: SocketAddress
    }

    /// Runs `calls` calls of `flow` between a caller and a callee engine, each with a tap of its own.
    static func run(_ flow: Flow, calls: Int, rate: Double = 50,
                    both change: @escaping (inout EngineConfiguration) -> Void = { _ in }) async throws -> (caller: Side, callee: Side) {
        let callerTap = RecordingTap(), calleeTap = RecordingTap()
        let server = try await EngineLoopbackTests.startServer(flow) {
            $0.conformance = .error
            change(&$0)
            $0.tap = calleeTap
        }
        let client = try await EngineLoopbackTests.startClient(flow, calling: server, rate: rate, calls: calls) {
            $0.conformance = .error
            $0.requestURI = "sip:service@127.0.0.1:\($0.target?.port ?? 0)"
            change(&$0)
            $0.tap = callerTap
        }
        try await EngineLoopbackTests.waitFinished(client, within: .seconds(30))
        try await Task.sleep(for: .milliseconds(200))  // the callee sees the last BYE, or the last copy of it
        let callerStats = await client.collect().interval, calleeStats = await server.collect().interval
        let callerAddress = try #require(client.localAddresses.first), calleeAddress = try #require(server.localAddresses.first)
        await client.shutdown()
        await server.shutdown()
        return (Side(stats: callerStats, events: callerTap.events, local: callerAddress),
                Side(stats: calleeStats, events: calleeTap.events, local: calleeAddress))
    }

    /// What a side's tap saw agrees with its statistics and its socket: one event a message (with `lossy`, what
    /// `--lose` dropped is not), UDP, from and to the two sockets, in time order across both directions; the rules
    /// named on the events are those counted.
    static func checkConsistent(_ side: Side, peer: SocketAddress, _ name: String, lossy: Bool = false,
                                sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let sent = side.events.filter { $0.direction == .sent }, received = side.events.filter { $0.direction == .received }
        if lossy {  // what --lose drops is counted as sent, not recorded
            #expect(UInt64(sent.count) < side.stats.messagesSent, "\(name): sent", sourceLocation: sourceLocation)
        } else {
            #expect(UInt64(sent.count) == side.stats.messagesSent, "\(name): sent", sourceLocation: sourceLocation)
        }
        #expect(UInt64(received.count) == side.stats.messagesReceived, "\(name): received", sourceLocation: sourceLocation)
        #expect(side.events.allSatisfy { $0.transport == .udp }, "\(name): transport", sourceLocation: sourceLocation)
        #expect(side.events.allSatisfy { $0.local == side.local && $0.remote == peer }, "\(name): addresses",
                sourceLocation: sourceLocation)
        let times = side.events.map(\.timestamp)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "\(name): times run forwards",
                sourceLocation: sourceLocation)
        let now = UInt64(Date().timeIntervalSince1970 * 1e9)
        #expect(times.allSatisfy { $0 > now - 120_000_000_000 && $0 <= now }, "\(name): wall-clock times",
                sourceLocation: sourceLocation)
        var named: [String: UInt64] = [:]
        for event in side.events { for rule in event.rules { named[rule, default: 0] += 1 } }
        #expect(named == side.stats.conformance.mapValues(\.count), "\(name): rules on the events, counted",
                sourceLocation: sourceLocation)
        #expect(sent.allSatisfy { $0.rules.isEmpty }, "\(name): nothing sent is checked", sourceLocation: sourceLocation)
    }

    /// The call numbers the events of each Call-ID carry (nil for events of no call).
    static func numbers(_ events: [SIPTapEvent]) -> [String: Set<Int?>] {
        var numbers: [String: Set<Int?>] = [:]
        for event in events {
            guard let callID = (try? SIPMessage(parsing: event.bytes))?.callID else { continue }
            numbers[callID.string, default: []].insert(event.call)
        }
        return numbers
    }

    static func method(_ event: SIPTapEvent) -> String {
        guard let message = try? SIPMessage(parsing: event.bytes) else { return "?" }
        if let method = message.method { return method.rawValue }
        return "\(message.statusCode ?? 0) \(message.cseq?.method.rawValue ?? "?")"
    }

    @Test func everyMessageOfABasicCallIsSeenOnceOnEachSideWithItsCall() async throws {
        let (caller, callee) = try await Self.run(EngineLoopbackTests.flow("basic-call"), calls: 4)
        #expect(caller.stats.completed == 4, "\(caller.stats.failures)")
        #expect(callee.stats.completed == 4, "\(callee.stats.failures)")
        Self.checkConsistent(caller, peer: callee.local, "caller")
        Self.checkConsistent(callee, peer: caller.local, "callee")
        // What one sent is what the other received, byte for byte and in order (loopback loses nothing).
        let callerToCallee = caller.events.filter { $0.direction == .sent }.map(\.bytes)
            == callee.events.filter { $0.direction == .received }.map(\.bytes)
        let calleeToCaller = callee.events.filter { $0.direction == .sent }.map(\.bytes)
            == caller.events.filter { $0.direction == .received }.map(\.bytes)
        #expect(callerToCallee, "the caller's sent messages, as the callee received them")
        #expect(calleeToCaller, "the callee's sent messages, as the caller received them")
        // Each call's messages carry its number (`Call.number`, from 0), the same on both sides: the callee numbers
        // calls as their INVITEs come, one after another here.
        let callerNumbers = Self.numbers(caller.events), calleeNumbers = Self.numbers(callee.events)
        #expect(callerNumbers.count == 4)
        #expect(callerNumbers == calleeNumbers)
        #expect(Set(callerNumbers.values) == [[0], [1], [2], [3]], "\(callerNumbers)")
        for side in [caller, callee] {
            // In the order the messages crossed: each response before what its handling sent.
            let ladder = side.events.filter { $0.call == 1 }.map { "\($0.direction == .sent ? "->" : "<-") \(Self.method($0))" }
            let expected = ["INVITE", "100 INVITE", "180 INVITE", "200 INVITE", "ACK", "BYE", "200 BYE"]
            let mine: Set = side.local == caller.local ? ["INVITE", "ACK", "BYE"] : ["100 INVITE", "180 INVITE", "200 INVITE", "200 BYE"]
            #expect(ladder == expected.map { (mine.contains($0) ? "-> " : "<- ") + $0 }, "\(ladder)")
        }
        #expect((caller.events + callee.events).allSatisfy { $0.rules.isEmpty })
    }

    /// A scripted callee's 200 whose From tag differs from the INVITE's (RFC 3261 §8.2.6.2): that 200, and only it,
    /// is recorded with the rule's ID; the ACK and the BYE that end the failed call carry its number.
    @Test func aResponseThatBreaksARuleIsRecordedWithTheRule() async throws {
        let tap = RecordingTap()
        let peer = try ScriptedUAS(.init(ok: { $0.replace("From", with: MisbehavingPeerTests.withoutTag($0.value("From")) + ";tag=changed") }),
                                   t1: MisbehavingPeerTests.t1)
        let side = try await Self.run(against: peer, tap: tap)
        Self.checkConsistent(side, peer: try SocketAddress(ipAddress: "127.0.0.1", port: peer.port), "caller")
        #expect(side.stats.failures[.conformanceError] == 2, "\(side.stats.failures)")
        let broken = side.events.filter { !$0.rules.isEmpty }
        #expect(broken.count == 2, "one 200 a call: \(broken.map(Self.method))")
        for event in broken {
            #expect(event.rules == ["rfc3261.8.2.6.2.from-copied"])
            #expect(event.direction == .received && Self.method(event) == "200 INVITE")
        }
        #expect(Set(broken.map(\.call)) == [0, 1])
        for call in [0, 1] {
            let sent = side.events.filter { $0.call == call && $0.direction == .sent }.map(Self.method)
            #expect(sent.prefix(1) == ["INVITE"] && sent.contains("ACK") && sent.contains("BYE"), "call \(call): \(sent)")
        }
    }

    /// A 180 whose Via branch is not the INVITE's matches no transaction (RFC 3261 §17.1.3): recorded with the
    /// matching rule, in the call its Call-ID names.
    @Test func anUnmatchedResponseIsRecordedWithTheMatchingRule() async throws {
        let tap = RecordingTap()
        let peer = try ScriptedUAS(.init(ringing: { $0.replace("Via", with: $0.value("Via")!.replacingOccurrences(of: "branch=", with: "branch=z9hG4bKx")) },
                                         answer: false), t1: MisbehavingPeerTests.t1)
        let side = try await Self.run(against: peer, tap: tap)
        Self.checkConsistent(side, peer: try SocketAddress(ipAddress: "127.0.0.1", port: peer.port), "caller")
        let unmatched = side.events.filter { $0.rules.contains("rfc3261.17.1.3.response-matches-transaction") }
        #expect(unmatched.count == 2, "\(side.events.map { "\(Self.method($0)) \($0.rules)" })")
        #expect(unmatched.allSatisfy { Self.method($0) == "180 INVITE" && $0.direction == .received })
        #expect(Set(unmatched.map(\.call)) == [0, 1])
        #expect(side.events.filter { Self.method($0) == "CANCEL" }.map(\.call) == [0, 1], "each call's CANCEL")
    }

    /// A datagram that does not parse belongs to no call, and is recorded with its bytes and its parse rule.
    @Test func anUnparsableDatagramIsRecordedWithItsParseRule() async throws {
        let tap = RecordingTap()
        let junk = "\u{1}\u{2} this is not SIP\r\n\r\n"
        let peer = try ScriptedUAS(.init(before200: [junk]), t1: MisbehavingPeerTests.t1)
        let side = try await Self.run(against: peer, tap: tap)
        Self.checkConsistent(side, peer: try SocketAddress(ipAddress: "127.0.0.1", port: peer.port), "caller")
        #expect(side.stats.completed == 2, "\(side.stats.failures)")
        let unparsed = side.events.filter { $0.bytes == Array(junk.utf8) }
        #expect(unparsed.count == 2)
        for event in unparsed {
            #expect(event.direction == .received)
            #expect(event.call == nil)
            #expect(event.rules == ["rfc3261.7.start-line"])
        }
    }

    /// Through 40% loss both ways (`--lose`, dropped before the tap) each side records only what went out, and
    /// each copy of it: what one side recorded as sent is what the other received, in order. The copies are the
    /// timers' retransmissions, the ACK sent again for each copy of a 200, and the 200 a callee's ended call sends
    /// for each copy of the BYE (`Shard.linger`), each with its call's number.
    @Test func retransmissionsUnderLossAreEachRecorded() async throws {
        let (caller, callee) = try await Self.run(EngineLoopbackTests.flow("basic-call"), calls: 20, rate: 100, both: {
            $0.transactions = TransactionConfiguration(t1: .milliseconds(20))
            $0.lossPercent = 40
        })
        Self.checkConsistent(caller, peer: callee.local, "caller", lossy: true)
        Self.checkConsistent(callee, peer: caller.local, "callee", lossy: true)
        #expect(caller.stats.retransmissions > 0, "40% of some 60 requests lost, and none sent again?")
        let callerToCallee = caller.events.filter { $0.direction == .sent }.map(\.bytes)
            == callee.events.filter { $0.direction == .received }.map(\.bytes)
        let calleeToCaller = callee.events.filter { $0.direction == .sent }.map(\.bytes)
            == caller.events.filter { $0.direction == .received }.map(\.bytes)
        #expect(callerToCallee, "what the caller recorded as sent is what reached the callee")
        #expect(calleeToCaller, "what the callee recorded as sent is what reached the caller")
        /// The messages `side` sent again, byte for byte as the first copy.
        func copies(_ side: Side) -> [SIPTapEvent] {
            var seen: Set<[UInt8]> = []
            return side.events.filter { $0.direction == .sent && !seen.insert($0.bytes).inserted }
        }
        #expect(copies(caller).contains { Self.method($0) == "INVITE" || Self.method($0) == "BYE" }, "a request sent again")
        // A BYE that came again, its 200 lost, is answered by the ended call that lingers, with the call's number.
        let byes = callee.events.filter { $0.direction == .received && Self.method($0) == "BYE" }
        #expect(Set(byes.map(\.call)).count < byes.count, "no BYE came twice in 20 calls through 40% loss?")
        let answers = callee.events.filter { $0.direction == .sent && Self.method($0) == "200 BYE" }
        #expect(!answers.isEmpty && answers.allSatisfy { $0.call != nil }, "\(answers.map(\.call))")
        for side in [caller, callee] {
            #expect(copies(side).allSatisfy { $0.call != nil }, "a copy of a call's message carries its number")
        }
        // One number a Call-ID. A copy of a response that comes after its call has let go (a 200 to the BYE sent
        // again for a BYE copy, once the BYE's transaction only absorbs: `Call.releaseIfQuiet`) names no call any
        // more: it is recorded of no call, as any message whose Call-ID names none.
        for (callID, numbers) in Self.numbers(caller.events) {
            #expect(numbers.compactMap { $0 }.count == 1, "\(callID): \(numbers)")
        }
        let numbered = Set(caller.events.filter { $0.call != nil }.map(\.bytes))
        for event in caller.events where event.call == nil {
            #expect(event.direction == .received && numbered.contains(event.bytes),
                    "only a late copy of a call's response is of no call: \(Self.method(event)) \(event.direction)")
        }
    }

    /// Requests of no call are answered statelessly (RFC 3261 §8.2): the OPTIONS and its 200 carry no call number.
    @Test func aStatelessAnswerBelongsToNoCall() async throws {
        let tap = RecordingTap()
        let server = try await EngineLoopbackTests.startServer(EngineLoopbackTests.flow("basic-call")) { $0.tap = tap }
        let port = try #require(server.localAddresses.first?.port)
        let peer = try ScriptedUAC(target: port)
        peer.send("""
            OPTIONS sip:svc@127.0.0.1:\(port) SIP/2.0
            Via: SIP/2.0/UDP 127.0.0.1:\(peer.port);branch=z9hG4bK-options-1
            Max-Forwards: 70
            From: <sip:monitor@127.0.0.1>;tag=m1
            To: <sip:svc@127.0.0.1>
            Call-ID: options-1@127.0.0.1
            CSeq: 1 OPTIONS
            Content-Length: 0


            """)
        let answer = peer.receive(within: .seconds(5)) { $0.hasPrefix("SIP/2.0 200") }
        #expect(answer != nil)
        let stats = await server.collect().interval
        await server.shutdown()
        let events = tap.events
        #expect(events.map { "\($0.direction) \(Self.method($0))" } == ["received OPTIONS", "sent 200 OPTIONS"])
        #expect(events.allSatisfy { $0.call == nil && $0.rules.isEmpty })
        #expect(UInt64(events.count) == stats.messagesSent + stats.messagesReceived)
        #expect(events.allSatisfy { $0.remote.port == peer.port })
    }

    /// Two calls of basic-call from a caller with `tap` against `peer`, with `--conformance error`.
    static func run(against peer: ScriptedUAS, tap: RecordingTap) async throws -> Side {
        let flow = try EngineLoopbackTests.flow("basic-call")
        var config = EngineConfiguration(role: .initiator, flowName: flow.name, program: flow.initiatorProgram,
                                         target: try SocketAddress(ipAddress: "127.0.0.1", port: peer.port),
                                         requestURI: "sip:uas@127.0.0.1:\(peer.port)",
                                         bindAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 0))
        config.rate = RateController(rate: 20, maxCalls: 2)
        config.conformance = .error
        config.tap = tap
        let engine = Engine(configuration: config)
        try await engine.start()
        try await EngineLoopbackTests.waitFinished(engine, within: .seconds(20))
        try await Task.sleep(for: .milliseconds(600))  // the ending's BYE or CANCEL and its answer
        let stats = await engine.collect().interval
        let local = try #require(engine.localAddresses.first)
        await engine.shutdown()
        peer.stop()
        return Side(stats: stats, events: tap.events, local: local)
    }
}
