#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cutting a capture file back after a failed write (a full disk, a file-size limit): to the end of the last packet
/// that reached the disk whole, so the file keeps every packet the disk took and ends on a packet's boundary.
enum CaptureFileCut {
    /// Truncates the file to the last of `packetEnds` (offsets since the last good flush, `good`) not past what is
    /// on disk; returns the new length.
    static func toWholePackets(_ fd: Int32, good: Int64, packetEnds: [Int64]) -> Int64 {
        var info = stat()
        let onDisk = fstat(fd, &info) == 0 ? Int64(info.st_size) : good
        let keep = packetEnds.last(where: { $0 <= onDisk }) ?? good
        _ = ftruncate(fd, off_t(keep))
        return keep
    }
}

/// What `PcapTap` writes to: a classic pcap file (`PcapFileWriter`, through libpcap) or a pcapng one.
public protocol CaptureFileWriter: AnyObject {
    var path: String { get }
    /// Why writing stopped, once it has.
    var failure: PcapError? { get }
    /// The file's length once what was written is flushed.
    var size: Int64 { get }
    /// The length of the file with no packet.
    var headerSize: Int64 { get }
    /// Appends one packet stamped `timestamp` (nanoseconds since the Unix epoch), with a comment where the format
    /// keeps one.
    func write(_ packet: UnsafeRawBufferPointer, timestamp: UInt64, comment: String?)
    /// Writes what is buffered; on failure cuts the file back to the last good flush and throws.
    func flush() throws(PcapError)
    func close()
}

extension PcapFileWriter: CaptureFileWriter {
    /// Classic pcap has no place for a comment: it is dropped.
    public func write(_ packet: UnsafeRawBufferPointer, timestamp: UInt64, comment: String?) {
        write(packet, timestamp: timestamp)
    }
}

/// A pcapng file (RFC draft-ietf-opsawg-pcapng): one section, one interface of raw IP packets with nanosecond
/// timestamps, and an Enhanced Packet Block per packet with an `opt_comment` — which Wireshark shows beside the
/// packet (`frame.comment`). Written here, not by libpcap, which reads pcapng but writes only classic pcap.
///
/// Not thread-safe, like `PcapFileWriter`; a write that fails (a full disk) is found at `flush()`, which cuts the
/// file back to the last good flush, so the file stays valid.
public final class PcapngFileWriter: CaptureFileWriter {
    public let path: String
    private var file: UnsafeMutablePointer<FILE>?
    private var block: [UInt8] = []
    private var goodLength: Int64 = 0
    public private(set) var failure: PcapError?
    public private(set) var size: Int64 = 0
    public private(set) var headerSize: Int64 = 0
    /// Where each block written since the last good flush ends.
    private var blockEnds: [Int64] = []

    /// Creates (truncates) `path` and writes the section header and the interface description.
    public init(path: String, linkType: PcapLinkType = .rawIP, snapLength: UInt32 = 262_144,
                application: String = "sipflow") throws(PcapError) {
        self.path = path
        guard let file = fopen(path, "wb") else {
            throw PcapError("cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
        self.file = file
        block.reserveCapacity(4096)
        // Section Header Block: byte-order magic, version 1.0, section length unknown, the writing application.
        begin(0x0A0D_0D0A)
        append32(0x1A2B_3C4D)
        append16(1)
        append16(0)
        append32(0xFFFF_FFFF)
        append32(0xFFFF_FFFF)
        option(4, Array(application.utf8))  // shb_userappl
        end()
        // Interface Description Block: the link type, the snap length, if_tsresol 9 (nanoseconds).
        begin(1)
        append16(UInt16(linkType.rawValue))
        append16(0)
        append32(snapLength)
        option(9, [9])
        end()
        try flush()
        headerSize = size
    }

    deinit { close() }

    public func write(_ packet: UnsafeRawBufferPointer, timestamp: UInt64, comment: String?) {
        guard file != nil, failure == nil else { return }
        begin(6)  // Enhanced Packet Block
        append32(0)  // interface 0
        append32(UInt32(truncatingIfNeeded: timestamp >> 32))
        append32(UInt32(truncatingIfNeeded: timestamp))
        append32(UInt32(packet.count))
        append32(UInt32(packet.count))
        block.append(contentsOf: packet)
        pad()
        if let comment, !comment.isEmpty { option(1, Array(comment.utf8.prefix(65_000))) }  // opt_comment
        end()
    }

    public func flush() throws(PcapError) {
        if let failure { throw failure }
        guard let file else { return }
        if fflush(file) == 0, ferror(file) == 0 {
            goodLength = size
            blockEnds.removeAll(keepingCapacity: true)
            return
        }
        let reason = String(cString: strerror(errno))
        clearerr(file)
        // The header blocks are whole or the file is nothing: a file cut inside them is no pcapng.
        goodLength = CaptureFileCut.toWholePackets(fileno(file), good: goodLength, packetEnds: headerSize > 0 ? blockEnds : [])
        let failure = PcapError("cannot write '\(path)': \(reason); it holds the packets written before")
        self.failure = failure
        throw failure
    }

    public func close() {
        guard let file else { return }
        try? flush()
        clearerr(file)
        fclose(file)
        // What failed was cut off, but fclose writes what stdio still held past the cut: cut again, by name.
        if failure != nil { _ = truncate(path, off_t(goodLength)) }
        self.file = nil
    }

    // MARK: - Blocks

    private func begin(_ type: UInt32) {
        block.removeAll(keepingCapacity: true)
        append32(type)
        append32(0)  // the total length, filled in by end()
    }

    /// Ends the options, fills in the block's length at both ends, and hands the block to stdio.
    private func end() {
        if block.count > 8, hasOptions { append32(0) }  // opt_endofopt
        hasOptions = false
        let total = UInt32(block.count + 4)
        withUnsafeBytes(of: total.littleEndian) { block.replaceSubrange(4..<8, with: $0) }
        append32(total)
        guard let file else { return }
        _ = block.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        size += Int64(block.count)
        blockEnds.append(size)
    }

    private var hasOptions = false

    private func option(_ code: UInt16, _ value: [UInt8]) {
        hasOptions = true
        append16(code)
        append16(UInt16(value.count))
        block.append(contentsOf: value)
        pad()
    }

    private func pad() { while block.count % 4 != 0 { block.append(0) } }
    private func append16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { block.append(contentsOf: $0) } }
    private func append32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { block.append(contentsOf: $0) } }
}
