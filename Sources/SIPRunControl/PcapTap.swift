import Foundation
import Logging
import NIOCore
import SIPPcap
import SIPTransport
import Synchronization

/// `--pcap FILE`: every SIP message sent and received, as the IP packet that carried it (raw IPv4 or IPv6, UDP),
/// in a pcap file that Wireshark, tshark and sngrep read. A sent message goes from the endpoint's address to the
/// peer's, a received one the other way, stamped when it crossed the socket (microseconds).
///
/// Off the hot path: `record` only appends the event to a batch under a lock; full batches are made into packets
/// and written by a queue of the tap's own. `flush()` writes what is left and returns when it is in the file. A
/// write that fails (a full disk) leaves the file valid with what was written before, stops the recording and is
/// logged once.
///
/// With a `Rotation` (`--pcap-max-size`, `--pcap-max-files`) a file that would grow past the size is closed, whole
/// and valid, and the next one opened: `run.pcap`, `run.1.pcap`, `run.2.pcap`, …; with a file count, the oldest
/// beyond it is deleted (a ring, as tcpdump's `-C`/`-W`).
public final class PcapTap: SIPTap, @unchecked Sendable {
    // @unchecked: `writer`, `files`, `packet` and `identification` are used only on `queue`; `batch` is behind its
    // mutex.
    private let batch = Mutex<[SIPTapEvent]>([])
    private let queue = DispatchQueue(label: "sipflow.pcap")
    private var writer: any CaptureFileWriter
    public let path: String
    public let format: Format
    public let rotation: Rotation
    /// The files written, oldest first; the last is being written.
    private var files: [String]
    private var opened = 0
    /// A rotation failed: nothing more is written.
    private var stopped = false
    private var packet: [UInt8] = []
    private var identification: UInt16 = 0
    private let logger: Logger
    /// Events a batch holds before the queue writes it.
    static let batchSize = 512

    /// When to start a new file, and how many to keep.
    public struct Rotation: Sendable, Equatable {
        /// Bytes a file may hold (nil: one file, however large).
        public var maxSize: Int64?
        /// Files kept (nil: all of them); needs `maxSize`.
        public var maxFiles: Int?

        public init(maxSize: Int64? = nil, maxFiles: Int? = nil) {
            self.maxSize = maxSize
            self.maxFiles = maxFiles
        }
    }

    /// The file format: classic pcap (through libpcap), or pcapng with a comment on each packet naming its call and
    /// the rules it broke (`--pcap-format pcapng`), which Wireshark shows beside the packet.
    public enum Format: String, Sendable, CaseIterable {
        case pcap, pcapng

        /// pcapng for a name ending in `.pcapng`, classic pcap otherwise.
        public static func of(_ path: String) -> Format { path.lowercased().hasSuffix(".pcapng") ? .pcapng : .pcap }
    }

    /// Creates (truncates) `path`. Throws a one-line error naming the file.
    public init(path: String, format: Format? = nil, rotation: Rotation = .init(),
                logger: Logger = Logger(label: "sipflow.pcap")) throws {
        let format = format ?? .of(path)
        do {
            writer = try Self.open(path, format)
        } catch {
            throw PcapTapError("--pcap: \(error)")
        }
        self.format = format
        self.path = path
        self.rotation = rotation
        files = [path]
        self.logger = logger
        packet.reserveCapacity(2048)
    }

    static func open(_ path: String, _ format: Format) throws(PcapError) -> any CaptureFileWriter {
        switch format {
        case .pcap: return try PcapFileWriter(path: path, linkType: .rawIP)
        case .pcapng: return try PcapngFileWriter(path: path, linkType: .rawIP, application: "sipflow")
        }
    }

    /// The pcapng comment of an event: its call and the rules it broke, e.g. `sipflow: call 17 received; rules:
    /// rfc3261.8.2.6.2.to-tag`.
    static func comment(_ event: SIPTapEvent) -> String {
        var text = "sipflow: " + (event.call.map { "call \($0) " } ?? "") + (event.direction == .sent ? "sent" : "received")
        if !event.rules.isEmpty { text += "; rules: " + event.rules.joined(separator: ", ") }
        return text
    }

    /// The files written so far, oldest first (those a ring deleted are gone).
    public var writtenFiles: [String] { queue.sync { files } }

    /// The `n`th file of `path`: `run.pcap`, then `run.1.pcap`, `run.2.pcap`, … (`run`, `run.1`, … without an
    /// extension).
    public static func rotated(_ path: String, _ n: Int) -> String {
        guard n > 0 else { return path }
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        guard !ext.isEmpty else { return "\(path).\(n)" }
        return String(path.dropLast(ext.count + 1)) + ".\(n).\(ext)"
    }

    /// On `queue`: closes the full file and opens the next; false when it cannot be made (reported once; the
    /// recording stops, the files before it kept).
    private func rotate() -> Bool {
        stopped = true  // until the next file is open
        do { try writer.flush() } catch { reportOnce(error); return false }
        writer.close()
        opened += 1
        let next = Self.rotated(path, opened)
        do {
            writer = try Self.open(next, format)
        } catch {
            reportOnce(error)
            return false
        }
        files.append(next)
        stopped = false
        if let keep = rotation.maxFiles, files.count > keep {
            for old in files.prefix(files.count - keep) { try? FileManager.default.removeItem(atPath: old) }
            files.removeFirst(files.count - keep)
        }
        return true
    }

    public struct PcapTapError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public func record(_ event: SIPTapEvent) {
        let full: [SIPTapEvent]? = batch.withLock { b in
            b.append(event)
            guard b.count >= Self.batchSize else { return nil }
            defer { b = []; b.reserveCapacity(Self.batchSize) }
            return b
        }
        if let full { queue.async { [self] in write(full) } }
    }

    public func flush() {
        let rest = batch.withLock { b in defer { b = [] }; return b }
        queue.sync {
            write(rest)
            do { try writer.flush() } catch { reportOnce(error) }
        }
    }

    /// Flushes and closes the file.
    public func close() {
        flush()
        queue.sync { writer.close() }
    }

    /// On `queue`: each event as its packet.
    private func write(_ events: [SIPTapEvent]) {
        guard writer.failure == nil, !stopped else { return }
        for event in events {
            guard let local = Self.endpoint(event.local), let remote = Self.endpoint(event.remote) else { continue }
            let (source, destination) = event.direction == .sent ? (local, remote) : (remote, local)
            identification &+= 1
            let made = event.bytes.withUnsafeBytes {
                UDPPacket.write($0, from: source, to: destination, identification: identification, into: &packet)
            }
            guard made else { continue }  // mixed IP versions, or larger than a datagram: no such packet was sent
            if let max = rotation.maxSize, writer.size > writer.headerSize, writer.size + 16 + Int64(packet.count) > max {
                guard rotate() else { return }
            }
            let comment = format == .pcapng ? Self.comment(event) : nil
            packet.withUnsafeBytes { writer.write($0, timestamp: event.timestamp, comment: comment) }
        }
        if writer.failure == nil, events.count >= Self.batchSize {
            do { try writer.flush() } catch { reportOnce(error) }
        }
    }

    private var reported = false
    private func reportOnce(_ error: any Error) {
        guard !reported else { return }
        reported = true
        logger.error("--pcap: \(error)")
    }

    /// A socket address as a packet's (IPv4 or IPv6; nil for anything else).
    static func endpoint(_ address: SocketAddress) -> PacketEndpoint? {
        switch address {
        case .v4(let a):
            return PacketEndpoint(address: .v4(UInt32(bigEndian: a.address.sin_addr.s_addr)),
                                  port: UInt16(bigEndian: a.address.sin_port))
        case .v6(let a):
            var storage = a.address.sin6_addr
            let bytes = withUnsafeBytes(of: &storage) { Array($0) }
            return PacketEndpoint(address: .v6(bytes), port: UInt16(bigEndian: a.address.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }
}
