import Foundation
import SIPAnalysis
import Testing

/// `sipflow analyze` on the crafted captures under captures/edge/ (written by `EdgeCaptures` in the SIPPcap tests):
/// the exact counts each was made to give, the same SIP messages and Call-IDs as tshark finds where it is installed,
/// and the answers to bad input — an unknown link type, a file cut short.
@Suite struct EdgeCaptureTests {
    static let directory = AnalyzeCommandTests.captures.appendingPathComponent("edge")

    /// What one capture must give.
    struct Expected: Sendable, CustomTestStringConvertible {
        let name: String
        let packets: Int
        let requests: Int
        let responses: Int
        /// Calls by kind.
        let calls: [String: Int]
        var notSIP = 0
        var tcpWithoutPayload = 0
        /// Skipped packets as `packet:reason`, in order.
        var skipped: [String] = []
        /// Extra tshark options that make it decode the case (preferences off by default).
        var tsharkOptions: [String] = []
        /// Call-IDs of messages tshark reports that are no messages, tshark getting the case wrong (see each entry).
        var tsharkWrong: [String] = []
        /// Call-IDs of messages sipflow reports and tshark, getting the case wrong, does not (see each entry).
        var tsharkMisses: [String] = []

        var testDescription: String { name }
        var messages: Int { requests + responses }
        var answered: Int { calls["invite"] ?? 0 }
    }

    static let expected: [Expected] = [
        Expected(name: "udp-fragmented-ipv4.pcap", packets: 8, requests: 3, responses: 3, calls: ["invite": 1]),
        Expected(name: "udp-fragmented-ipv6.pcap", packets: 8, requests: 3, responses: 3, calls: ["invite": 1]),
        Expected(name: "tcp-several-per-segment.pcap", packets: 10, requests: 3, responses: 4, calls: ["invite": 1],
                 tcpWithoutPayload: 6),
        // tshark 4.0 leaves segments after a gap unreassembled unless asked (tcp.reassemble_out_of_order).
        Expected(name: "tcp-split-and-out-of-order.pcap", packets: 14, requests: 3, responses: 3, calls: ["invite": 1],
                 tcpWithoutPayload: 3, skipped: ["7:tcp-retransmission"],
                 tsharkOptions: ["-o", "tcp.reassemble_out_of_order:TRUE"]),
        // The first segment starts inside an INVITE's request line: tshark (4.0) takes "VITE sip:… SIP/2.0" for a
        // request of method VITE, with the lost INVITE's Call-ID; it is the tail of a message, not one.
        Expected(name: "tcp-mid-stream.pcap", packets: 8, requests: 4, responses: 4, calls: ["invite": 1, "options": 1],
                 notSIP: 1, tsharkWrong: ["tcp-earlier-0c1d@192.0.2.10"]),
        Expected(name: "vlan-qinq.pcap", packets: 8, requests: 4, responses: 4, calls: ["invite": 1, "options": 1]),
        Expected(name: "linux-sll2.pcap", packets: 8, requests: 4, responses: 4, calls: ["invite": 1, "options": 1]),
        Expected(name: "bsd-null.pcap", packets: 8, requests: 4, responses: 4, calls: ["invite": 1, "options": 1]),
        Expected(name: "ipv6-in-ipv4.pcap", packets: 6, requests: 3, responses: 3, calls: ["invite": 1]),
        Expected(name: "non-sip-and-garbage.pcap", packets: 14, requests: 4, responses: 4,
                 calls: ["invite": 1, "options": 1], notSIP: 5, skipped: ["1:not-ip"]),
        Expected(name: "snaplen-cut.pcap", packets: 9, requests: 4, responses: 4, calls: ["invite": 1, "options": 1],
                 skipped: ["3:cut-by-snap-length"]),
        // tshark (4.0) dissects a frame the snap length cut no further than its request line ("SIP truncated"), so
        // the OPTIONS the cut segment holds whole has no Call-ID from it; sipflow reads it from the bytes kept.
        Expected(name: "tcp-snaplen-cut.pcap", packets: 11, requests: 4, responses: 4, calls: ["invite": 1, "options": 1],
                 tcpWithoutPayload: 3, skipped: ["4:cut-by-snap-length"], tsharkMisses: ["tcp-snap-ping-f1@192.0.2.10"]),
    ]

    @Test func everyEdgeCaptureHasItsExpectations() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".pcap") }
        #expect(Set(names) == Set(Self.expected.map(\.name)))
    }

    @Test(arguments: expected)
    func theCountsAreExactlyWhatTheCaptureHolds(_ e: Expected) async throws {
        let dir = try Peers.workDirectory()
        let analysis = try await AnalyzeCommandTests.analyze([Self.directory.appendingPathComponent(e.name).path], in: dir)
        let document = try #require(analysis.document, "\(e.name): \(analysis.stderr) \(analysis.stdout.prefix(300))")
        let s = document.summary
        #expect(analysis.code == 0 && document.inputErrors.isEmpty, "\(e.name): \(analysis.stderr)")
        #expect(s.packets == e.packets, "\(e.name)")
        #expect(s.sipMessages == e.messages && s.requests == e.requests && s.responses == e.responses, "\(e.name): \(s)")
        #expect(s.calls == e.calls, "\(e.name)")
        #expect(s.invite.calls == e.answered && s.invite.answered == e.answered && s.invite.unanswered == 0, "\(e.name)")
        #expect(s.notSIP == e.notSIP && s.malformedSIP == 0 && s.keepAlives == 0, "\(e.name): \(s)")
        #expect(s.tcpWithoutPayload == e.tcpWithoutPayload, "\(e.name)")
        #expect(s.firstSkipped.map { "\($0.packet):\($0.reason)" } == e.skipped, "\(e.name): \(s.firstSkipped)")
        #expect(s.skipped == Dictionary(e.skipped.map { (String($0.split(separator: ":")[1]), 1) }) { $0 + $1 }, "\(e.name)")
        #expect(s.findings.isEmpty, "\(e.name): well-formed SIP gives no finding: \(s.findings)")
        #expect(s.retransmissions.requests == 0 && s.retransmissions.responses == 0, "\(e.name)")
        for call in document.calls where call.kind == "invite" {
            #expect(call.ending == "completed" && call.answered && call.transactions.map(\.method) == ["INVITE", "BYE"],
                    "\(e.name): \(call.callID)")
        }
    }

    @Test(arguments: expected)
    func tsharkFindsTheSameMessagesAndCallIDs(_ e: Expected) async throws {
        guard Peers.available("tshark") else { return }
        let path = Self.directory.appendingPathComponent(e.name).path
        // Frames tshark saw whole, each message's Call-ID in the frame's line: a UDP datagram the snap length cut is
        // no message sipflow can report, and of a cut TCP segment tshark reads no Call-ID (tcp-snaplen-cut).
        let lines = try PcapRecordingTests.tshark(path, e.tsharkOptions + [
            "-Y", "sip && frame.cap_len == frame.len", "-T", "fields", "-e", "sip.Call-ID",
            "-E", "occurrence=a", "-E", "aggregator=,"])
        var tsharkIDs = lines.split(whereSeparator: \.isNewline).flatMap { $0.split(separator: ",") }.map(String.init)
        for wrong in e.tsharkWrong {
            if let index = tsharkIDs.firstIndex(of: wrong) { tsharkIDs.remove(at: index) }  // a later tshark may get it right
        }
        let analysis = try await AnalyzeCommandTests.analyze([path], in: try Peers.workDirectory())
        let document = try #require(analysis.document, "\(e.name): \(analysis.stderr)")
        #expect(document.summary.sipMessages == tsharkIDs.count + e.tsharkMisses.count,
                "\(e.name): sipflow \(document.summary.sipMessages), tshark \(tsharkIDs.count) \(tsharkIDs)")
        #expect(Set(document.calls.map(\.callID)) == Set(tsharkIDs + e.tsharkMisses), "\(e.name): \(tsharkIDs)")
    }

    /// The text summary names what was skipped and the first packet skipped, with why.
    @Test func theTextSummaryNamesTheFirstSkippedPacket() async throws {
        let dir = try Peers.workDirectory()
        let path = Self.directory.appendingPathComponent("snaplen-cut.pcap").path
        let text = try await AnalyzeCommandTests.analyze([path], in: dir, ["--plain"])
        #expect(text.code == 0, "a packet the snap length cut is no input error: \(text.stderr)")
        #expect(text.stdout.contains("9 packets, 8 SIP messages (4 requests, 4 responses)"), "\(text.stdout)")
        #expect(text.stdout.contains("Skipped: 1 (cut-by-snap-length 1); first: packet 3: the UDP payload lacks its "
                                     + "last 748 bytes (the snap length kept 512 of 1260)"), "\(text.stdout)")
    }

    // MARK: - Bad input

    /// A capture whose header names a link type sipflow does not decode (147, `LINKTYPE_USER0`): patched into the
    /// classic pcap header, whose link type is the 32-bit field at byte 20, in the order the magic number shows.
    @Test func anUnknownLinkTypeIsNamedAndExitsTwo() async throws {
        let dir = try Peers.workDirectory()
        var bytes = try Data(contentsOf: Self.directory.appendingPathComponent("vlan-qinq.pcap"))
        #expect(Array(bytes.prefix(4)) == [0xD4, 0xC3, 0xB2, 0xA1], "little-endian, microsecond pcap")
        bytes.replaceSubrange(20..<24, with: [147, 0, 0, 0])
        let path = dir.appendingPathComponent("user0.pcap").path
        try bytes.write(to: URL(fileURLWithPath: path))
        let analysis = try await AnalyzeCommandTests.analyze([path], in: dir)
        #expect(analysis.code == 2, "\(analysis.stderr)")
        let lines = analysis.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("analyze: \(path): link type 147 is not supported; sipflow reads "),
                "\(analysis.stderr)")
        let document = try #require(analysis.document)
        #expect(document.inputErrors.count == 1 && document.summary.packets == 0 && document.calls.isEmpty)
    }

    /// Where each packet record of a classic little-endian pcap file starts: after the 24-byte file header, each
    /// record is a 16-byte header (its captured length at byte 8) and that many bytes.
    static func recordOffsets(_ bytes: Data) -> [Int] {
        var offsets: [Int] = []
        var at = 24
        while at + 16 <= bytes.count {
            offsets.append(at)
            let b = bytes.startIndex + at + 8
            let caplen = Int(bytes[b]) | Int(bytes[b + 1]) << 8 | Int(bytes[b + 2]) << 16 | Int(bytes[b + 3]) << 24
            at += 16 + caplen
        }
        return offsets
    }

    /// A file cut in the middle of packet 6's data, or of packet 3's record header: exit 2, one line naming the
    /// packet where reading stopped, and the JSON with everything read before it.
    @Test(arguments: [(packet: 6, into: 16 + 40, messages: 4), (packet: 3, into: 7, messages: 0)])
    func aFileCutShortNamesThePacketAndKeepsWhatCameBefore(_ cut: (packet: Int, into: Int, messages: Int)) async throws {
        let dir = try Peers.workDirectory()
        let whole = try Data(contentsOf: Self.directory.appendingPathComponent("tcp-several-per-segment.pcap"))
        let offsets = Self.recordOffsets(whole)
        #expect(offsets.count == 10)
        let path = dir.appendingPathComponent("cut-\(cut.packet).pcap").path
        try whole.prefix(offsets[cut.packet - 1] + cut.into).write(to: URL(fileURLWithPath: path))
        let analysis = try await AnalyzeCommandTests.analyze([path], in: dir)
        #expect(analysis.code == 2, "\(analysis.stderr)")
        let lines = analysis.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("analyze: \(path): packet \(cut.packet): truncated dump file"),
                "\(analysis.stderr)")
        let document = try #require(analysis.document)
        #expect(document.inputErrors == [String(lines[0].dropFirst("analyze: ".count))])
        #expect(document.summary.packets == cut.packet - 1)
        #expect(document.summary.sipMessages == cut.messages, "INVITE, 100, 180, 200 before packet 6")
        #expect(document.calls.count == (cut.messages > 0 ? 1 : 0))
        #expect(document.calls.allSatisfy { $0.ending == "open" && $0.answered })
    }
}
