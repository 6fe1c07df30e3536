import Testing
@testable import SIPMonitor

@Suite struct SRVRecordTests {
    /// A DNS response for `_sip._udp.example.test SRV` with two answers, the second target compressed against the
    /// first (RFC 1035 §4.1.4), built by hand.
    static let response: [UInt8] = {
        var m: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0]
        let qname: [UInt8] = [4] + Array("_sip".utf8) + [4] + Array("_udp".utf8) + [7] + Array("example".utf8) + [4] + Array("test".utf8) + [0]
        m += qname + [0, 33, 0, 1]
        // answer 1: name → pointer to offset 12; SRV 10 60 5060 sip1.example.test
        let t1: [UInt8] = [4] + Array("sip1".utf8) + [0xC0, 12 + 10]   // "sip1" + pointer to "example.test" in the question
        m += [0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 60, 0, UInt8(6 + t1.count), 0, 10, 0, 60, 0x13, 0xC4] + t1
        // answer 2: priority 5 (preferred), port 5070, target sip2.example.test
        let t2: [UInt8] = [4] + Array("sip2".utf8) + [0xC0, 12 + 10]
        m += [0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 60, 0, UInt8(6 + t2.count), 0, 5, 0, 10, 0x13, 0xCE] + t2
        return m
    }()

    @Test func answersAreReadAndOrderedByPriorityThenWeight() {
        let records = SRVRecord.parseAnswer(Self.response)
        #expect(records == [
            SRVRecord(priority: 10, weight: 60, port: 5060, target: "sip1.example.test"),
            SRVRecord(priority: 5, weight: 10, port: 5070, target: "sip2.example.test"),
        ])
        #expect(SRVRecord.ordered(records).map(\.target) == ["sip2.example.test", "sip1.example.test"])
    }

    @Test func truncatedAndLoopingMessagesGiveNothingRatherThanCrash() {
        for n in 0..<Self.response.count { _ = SRVRecord.parseAnswer(Array(Self.response[0..<n])) }
        var loop = Self.response
        loop[Self.response.count - 2] = 0xC0
        loop[Self.response.count - 1] = UInt8(Self.response.count - 2)
        _ = SRVRecord.parseAnswer(loop)
    }

    @Test func localhostAndIPLiteralsNeverGoToDNS() throws {
        let r = TargetResolver(useSRV: true)
        #expect(try r.resolve(try ProbeTarget(parsing: "sip:127.0.0.1")).map(\.port) == [5060])
        #expect(try r.resolve(try ProbeTarget(parsing: "sip:[::1]:5070")).first?.ipAddress == "::1")
        let local = try r.resolve(try ProbeTarget(parsing: "sip:localhost:5080"))
        #expect(local.allSatisfy { $0.port == 5080 } && !local.isEmpty)
    }
}
