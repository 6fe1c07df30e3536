import NIOCore
import SIPCore
import SIPTransport
import SIPFlow
@testable import SIPEngine

/// One call of a flow on a shard without a socket, for the tests that pin the bytes the engine writes
/// (`RequestBytesTests`, `ResponseBytesTests`).
enum WireFixture {
    static let peerAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 5060)
    static let peer = Destination(.udp, peerAddress)

    /// A call of `role`'s side of `yaml` on a shard that advertises 192.0.2.10:5070, with local tag `t1` and, for
    /// the initiator, branches from a fixed run prefix (`z9hG4bK0-0-1`, `-2`, ...). The shard is returned too: the
    /// call holds it. Its host is a `TestHost` (`host(of:)`), which sends nothing and never runs the shard's tick on
    /// its own: the tests drive time themselves.
    static func call(_ yaml: String, as role: EngineConfiguration.Role, callID: String,
                     advertising ip: String = "192.0.2.10") throws -> (Shard, Call) {
        let flow = try FlowLoader.parse(yaml: yaml, builtin: true)
        let initiator = role == .initiator
        let config = EngineConfiguration(role: role, flowName: flow.name,
                                         program: initiator ? flow.initiatorProgram : flow.responderProgram,
                                         target: initiator ? peerAddress : nil,
                                         requestURI: initiator ? "sip:service@127.0.0.1:5060" : "sip:service@192.0.2.10:5070",
                                         bindAddress: peerAddress)
        let shard = TestHost().shard(config)
        if initiator { shard.ids = IdentifierGenerator(shard: 0, run: 0) }
        shard.advertise(ip: ip, port: 5070)
        let call = Call(shard: shard, number: 0, callID: ByteString(callID), localTag: "t1", peer: peer, scheduled: .zero, dataRow: [])
        return (shard, call)
    }

    static func host(of shard: Shard) -> TestHost { shard.host as! TestHost }

    static func text(_ bytes: some Sequence<UInt8>) -> String { String(decoding: Array(bytes), as: UTF8.self) }
}
