import Testing
@testable import SIPMonitor
@testable import SIPTransport

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

    static let sip1 = SRVRecord(priority: 10, weight: 60, port: 5060, target: "sip1.example.test")

    /// Answer 1 ends at octet 65 (12 header, 28 question, 25 answer): a response cut before then has no whole
    /// record, one cut after it has the first; none crashes.
    @Test func truncatedMessagesGiveTheWholeRecordsBeforeTheCut() {
        #expect(Self.response.count == 90)
        for n in 0..<Self.response.count {
            let records = SRVRecord.parseAnswer(Array(Self.response[0..<n]))
            #expect(records == (n >= 65 ? [Self.sip1] : []), "cut at \(n)")
        }
    }

    /// A target name whose compression pointer points at itself (RFC 1035 §4.1.4 forbids nothing here): that
    /// record is dropped after a bounded number of jumps, the one before it is kept.
    @Test func aPointerLoopDropsItsRecordOnly() {
        var loop = Self.response
        loop[Self.response.count - 2] = 0xC0
        loop[Self.response.count - 1] = UInt8(Self.response.count - 2)
        #expect(SRVRecord.parseAnswer(loop) == [Self.sip1])
    }

    /// A response to `_sip._udp.x` with `answers` (type, RDATA), each owner name a pointer to the question.
    static func response(answers: [(type: UInt16, rdata: [UInt8])]) -> [UInt8] {
        var m: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, UInt8(answers.count), 0, 0, 0, 0]
        m += [4] + Array("_sip".utf8) + [4] + Array("_udp".utf8) + [1, UInt8(ascii: "x"), 0] + [0, 33, 0, 1]
        for a in answers {
            m += [0xC0, 12, UInt8(a.type >> 8), UInt8(a.type & 0xFF), 0, 1, 0, 0, 0, 60, 0, UInt8(a.rdata.count)] + a.rdata
        }
        return m
    }

    /// SRV RDATA (RFC 2782): priority, weight, port, then the target uncompressed.
    static func srv(_ priority: UInt16, _ weight: UInt16, _ port: UInt16, _ target: String) -> [UInt8] {
        var r = [priority, weight, port].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        for label in target.split(separator: ".") { r += [UInt8(label.utf8.count)] + Array(label.utf8) }
        return r + [0]
    }

    /// An A record (type 1) and a TXT record (16) around the SRV record: only the SRV is read.
    @Test func answersOfOtherTypesAreSkipped() {
        let m = Self.response(answers: [(1, [192, 0, 2, 1]), (33, Self.srv(1, 0, 5080, "a.x")),
                                        (16, [5] + Array("hello".utf8))])
        #expect(SRVRecord.parseAnswer(m) == [SRVRecord(priority: 1, weight: 0, port: 5080, target: "a.x")])
    }

    /// RFC 2782: a target of "." says the service is decidedly not available at this domain.
    @Test func aRootTargetMeansNoService() {
        #expect(SRVRecord.parseAnswer(Self.response(answers: [(33, Self.srv(0, 0, 0, "."))])) == [])
        #expect(SRVRecord.parseAnswer(Self.response(answers: [])) == [])
    }

    /// An RDATA length that runs past the message ends the answers there.
    @Test func anRDATALengthPastTheEndStopsTheAnswers() {
        var m = Self.response(answers: [(33, Self.srv(1, 0, 5080, "a.x")), (33, Self.srv(2, 0, 5090, "b.x"))])
        m[m.count - Self.srv(2, 0, 5090, "b.x").count - 1] = 200
        #expect(SRVRecord.parseAnswer(m) == [SRVRecord(priority: 1, weight: 0, port: 5080, target: "a.x")])
    }

    /// Lowest priority first; among equals the heaviest first, then by target, so the order never varies.
    @Test func orderIsPriorityThenHeaviestWeightThenTarget() {
        let records = [
            SRVRecord(priority: 20, weight: 100, port: 1, target: "d"),
            SRVRecord(priority: 10, weight: 5, port: 2, target: "c"),
            SRVRecord(priority: 10, weight: 50, port: 3, target: "b"),
            SRVRecord(priority: 10, weight: 5, port: 4, target: "a"),
        ]
        #expect(SRVRecord.ordered(records).map(\.target) == ["b", "a", "c", "d"])
        #expect(SRVRecord.ordered(records.reversed()).map(\.target) == ["b", "a", "c", "d"])
        #expect(SRVRecord.ordered([]) == [])
    }

    @Test func localhostAndIPLiteralsNeverGoToDNS() throws {
        let r = TargetResolver(useSRV: true)
        #expect(try r.resolve(try ProbeTarget(parsing: "sip:127.0.0.1")).map(\.port) == [5060])
        #expect(try r.resolve(try ProbeTarget(parsing: "sip:[::1]:5070")).first?.ipAddress == "::1")
        let local = try r.resolve(try ProbeTarget(parsing: "sip:localhost:5080"))
        #expect(local.allSatisfy { $0.port == 5080 } && !local.isEmpty)
    }
}
