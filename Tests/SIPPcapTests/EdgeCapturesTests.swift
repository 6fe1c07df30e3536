import Foundation
import Testing
@testable import SIPPcap

/// The committed files under `captures/edge/` are byte for byte what `EdgeCaptures` writes now; with
/// `SIPFLOW_WRITE_CAPTURES=1` in the environment the test writes them instead (`captures/make.sh` says when).
@Suite(.serialized) struct EdgeCapturesTests {
    /// The repository's `captures/edge/`, from this file's place in `Tests/SIPPcapTests/`.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("captures").appendingPathComponent("edge")

    static var rewriting: Bool { ProcessInfo.processInfo.environment["SIPFLOW_WRITE_CAPTURES"] == "1" }

    @Test(arguments: EdgeCaptures.all.map(\.name))
    func theCommittedCaptureIsWhatTheGeneratorWrites(_ name: String) throws {
        let capture = try #require(EdgeCaptures.all.first { $0.name == name })
        let file = Self.directory.appendingPathComponent(name)
        if Self.rewriting {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try capture.write(to: file.path)
        }
        let committed = try Data(contentsOf: file)
        #expect(committed == (try capture.bytes()),
                "\(name) differs from what EdgeCaptures writes: SIPFLOW_WRITE_CAPTURES=1 swift test --filter EdgeCaptures")
        #expect(committed.count < 16_384, "\(name) stays small: \(committed.count) bytes")
    }

    @Test func everyFileUnderCapturesEdgeHasAGenerator() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".pcap") }
        #expect(Set(names) == Set(EdgeCaptures.all.map(\.name)))
        #expect(EdgeCaptures.all.count == 12)
    }

    /// Read back through libpcap and decoded, each capture gives the payloads and skips it was made to give — what
    /// the interop tests then count as SIP messages through `sipflow analyze`.
    @Test(arguments: EdgeCaptures.all.map(\.name))
    func eachCaptureDecodesToItsPayloadsAndSkips(_ name: String) throws {
        let capture = try #require(EdgeCaptures.all.first { $0.name == name })
        let reader = try PcapFileReader(path: Self.directory.appendingPathComponent(name).path)
        #expect(reader.linkType == capture.linkType.dlt)
        var decoder = try PacketDecoder(linkType: reader.linkType)
        var results: [DecodeResult] = []
        var number = 0
        while let packet = try reader.next() {
            number += 1
            results += decoder.decode(packet, number: number)
        }
        results += decoder.finish()
        #expect(number == capture.frames.count)
        let skips = results.compactMap { r -> String? in
            if case .skipped(let n, let reason, _) = r, reason != .tcpNoPayload { return "\(n):\(reason.rawValue)" }
            return nil
        }
        #expect(skips == Self.expectedSkips[name, default: []], "\(name)")
        let gaps = ["tcp-mid-stream.pcap", "tcp-snaplen-cut.pcap"]  // begun mid-stream; bytes the snap length cut
        #expect(results.payloads.contains { $0.gapBefore } == gaps.contains(name), "\(name)")
    }

    /// The packets each capture is made to have skipped (TCP segments without payload aside).
    static let expectedSkips: [String: [String]] = [
        "tcp-split-and-out-of-order.pcap": ["7:tcp-retransmission"],
        "non-sip-and-garbage.pcap": ["1:not-ip"],
        "snaplen-cut.pcap": ["3:cut-by-snap-length"],
        "tcp-snaplen-cut.pcap": ["4:cut-by-snap-length"],
    ]
}
