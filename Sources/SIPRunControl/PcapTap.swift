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
public final class PcapTap: SIPTap, @unchecked Sendable {
    // @unchecked: `writer`, `packet` and `identification` are used only on `queue`; `batch` is behind its mutex.
    private let batch = Mutex<[SIPTapEvent]>([])
    private let queue = DispatchQueue(label: "sipflow.pcap")
    private let writer: PcapFileWriter
    private var packet: [UInt8] = []
    private var identification: UInt16 = 0
    private let logger: Logger
    /// Events a batch holds before the queue writes it.
    static let batchSize = 512

    /// Creates (truncates) `path`. Throws a one-line error naming the file.
    public init(path: String, logger: Logger = Logger(label: "sipflow.pcap")) throws {
        do {
            writer = try PcapFileWriter(path: path, linkType: .rawIP)
        } catch {
            throw PcapTapError("--pcap: \(error)")
        }
        self.logger = logger
        packet.reserveCapacity(2048)
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
        guard writer.failure == nil else { return }
        for event in events {
            guard let local = Self.endpoint(event.local), let remote = Self.endpoint(event.remote) else { continue }
            let (source, destination) = event.direction == .sent ? (local, remote) : (remote, local)
            identification &+= 1
            let made = event.bytes.withUnsafeBytes {
                UDPPacket.write($0, from: source, to: destination, identification: identification, into: &packet)
            }
            guard made else { continue }  // mixed IP versions, or larger than a datagram: no such packet was sent
            packet.withUnsafeBytes { writer.write($0, timestamp: event.timestamp) }
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
