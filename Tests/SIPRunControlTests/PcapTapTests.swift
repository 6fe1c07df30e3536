import Foundation
import NIOCore
import SIPPcap
import SIPTransport
import Testing
@testable import SIPRunControl

/// The --pcap file: each message as the packet that carried it, sent ones from the endpoint to the peer and
/// received ones the other way, all of them in the file after `flush()`, from several threads at once.
@Suite struct PcapTapTests {
    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tap-\(UUID().uuidString).pcap").path
    }

    static func event(_ n: Int, _ direction: SIPDirection, local: SocketAddress, remote: SocketAddress) -> SIPTapEvent {
        SIPTapEvent(direction: direction, transport: .udp, local: local, remote: remote,
                    timestamp: 1_796_644_268_000_000_000 + UInt64(n) * 1_000,
                    bytes: Array("OPTIONS sip:x SIP/2.0\r\nCSeq: \(n) OPTIONS\r\n\r\n".utf8))
    }

    static func packets(_ path: String) throws -> [PcapPacket] {
        let reader = try PcapFileReader(path: path)
        var all: [PcapPacket] = []
        while let p = try reader.next() { all.append(p) }
        return all
    }

    @Test func sentGoesFromTheEndpointAndReceivedComesToIt() throws {
        let path = Self.path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tap = try PcapTap(path: path)
        let local = try SocketAddress(ipAddress: "127.0.0.1", port: 5070)
        let remote = try SocketAddress(ipAddress: "192.0.2.5", port: 5060)
        tap.record(Self.event(0, .sent, local: local, remote: remote))
        tap.record(Self.event(1, .received, local: local, remote: remote))
        let local6 = try SocketAddress(ipAddress: "::1", port: 5070)
        let remote6 = try SocketAddress(ipAddress: "2001:db8::5", port: 5060)
        tap.record(Self.event(2, .received, local: local6, remote: remote6))
        tap.close()

        let p = try Self.packets(path)
        #expect(p.count == 3)
        #expect(Array(p[0].bytes[12..<20]) == [127, 0, 0, 1, 192, 0, 2, 5], "sent: from the endpoint to the peer")
        #expect(Array(p[0].bytes[20..<24]) == [0x13, 0xCE, 0x13, 0xC4], "ports 5070 → 5060")
        #expect(Array(p[1].bytes[12..<20]) == [192, 0, 2, 5, 127, 0, 0, 1], "received: from the peer to the endpoint")
        #expect(p[2].bytes[0] >> 4 == 6)
        #expect(Array(p[2].bytes[8..<12]) == [0x20, 0x01, 0x0D, 0xB8], "from 2001:db8::5")
        #expect(p[2].bytes[39] == 1, "to ::1")
        #expect(p.map(\.timestamp) == [0, 1, 2].map { 1_796_644_268_000_000_000 + UInt64($0) * 1_000 })
        #expect(Array(p[1].bytes[28...]) == Self.event(1, .received, local: local, remote: remote).bytes)
    }

    @Test func rotatedFilesAreNumberedBeforeTheExtension() {
        #expect(PcapTap.rotated("/tmp/run.pcap", 0) == "/tmp/run.pcap")
        #expect(PcapTap.rotated("/tmp/run.pcap", 2) == "/tmp/run.2.pcap")
        #expect(PcapTap.rotated("a.b/run", 1) == "a.b/run.1")
    }

    /// Records 600 messages with a rotation; returns the files kept and the packets in each.
    static func rotatedRecording(keep: Int?) throws -> (path: String, files: [String], packets: [[PcapPacket]]) {
        let path = Self.path()
        let tap = try PcapTap(path: path, rotation: .init(maxSize: 4_000, maxFiles: keep))
        let local = try SocketAddress(ipAddress: "127.0.0.1", port: 5070)
        let remote = try SocketAddress(ipAddress: "127.0.0.2", port: 5060)
        for n in 0..<600 { tap.record(Self.event(n, n % 2 == 0 ? .sent : .received, local: local, remote: remote)) }
        tap.close()
        let files = tap.writtenFiles
        return (path, files, try files.map { try Self.packets($0) })
    }

    /// --pcap-max-size: each file valid and not past the size, every packet in one of them, in order, the files
    /// numbered before the extension; with --pcap-max-files only the newest files are kept, the older deleted.
    @Test func aFullFileIsClosedAndTheNextOneOpened() throws {
        let all = try Self.rotatedRecording(keep: nil)
        let ring = try Self.rotatedRecording(keep: 3)
        defer { for f in all.files + ring.files { try? FileManager.default.removeItem(atPath: f) } }
        for (file, packets) in zip(all.files, all.packets) {
            let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
            #expect(size <= 4_000 && !packets.isEmpty, "\(file): \(size) bytes, \(packets.count) packets")
        }
        let timestamps = all.packets.flatMap { $0 }.map(\.timestamp)
        #expect(timestamps.count == 600 && timestamps == timestamps.sorted(), "every packet, in order")
        #expect(all.files.count > 10)
        #expect(all.files == all.files.indices.map { PcapTap.rotated(all.path, $0) })

        let n = all.files.count
        #expect(ring.files == (n - 3..<n).map { PcapTap.rotated(ring.path, $0) }, "\(ring.files)")
        #expect(ring.packets.map { $0.map(\.timestamp) } == all.packets.suffix(3).map { $0.map(\.timestamp) })
        #expect(!FileManager.default.fileExists(atPath: ring.path), "the oldest were deleted")
        #expect(!FileManager.default.fileExists(atPath: PcapTap.rotated(ring.path, n - 4)))
    }

    @Test func everythingRecordedIsInTheFileAfterFlush() async throws {
        let path = Self.path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tap = try PcapTap(path: path)
        let local = try SocketAddress(ipAddress: "127.0.0.1", port: 5070)
        let remote = try SocketAddress(ipAddress: "127.0.0.2", port: 5060)
        let each = PcapTap.batchSize * 2 + 7  // full batches written by the queue, and the rest by flush
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask { for i in 0..<each { tap.record(Self.event(t * each + i, .sent, local: local, remote: remote)) } }
            }
        }
        tap.flush()
        #expect(try Self.packets(path).count == 4 * each, "on disk after flush, before close")
        tap.close()
        let cseqs = Set(try Self.packets(path).map { String(decoding: $0.bytes[28...], as: UTF8.self) })
        #expect(cseqs.count == 4 * each, "each message once")
    }

    @Test func aFileThatCannotBeMadeIsOneSentence() {
        #expect(throws: PcapTap.PcapTapError.self) { try PcapTap(path: "/nonexistent-dir/x.pcap") }
        do { _ = try PcapTap(path: "/nonexistent-dir/x.pcap") } catch {
            #expect("\(error)" == "--pcap: cannot create '/nonexistent-dir/x.pcap': No such file or directory")
        }
    }
}
