import CGzipFile
import CPcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every libpcap call the project makes goes through this file, and each failure becomes a `PcapError` with
/// libpcap's words (`pcap_geterr`, or the error buffer it fills).

/// A libpcap failure, as one sentence naming the file.
public struct PcapError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The link layer a capture's packets start with (the pcap file header's link type). The raw value is the
/// `LINKTYPE_` number a file's header carries (https://www.tcpdump.org/linktypes.html); `dlt` is libpcap's.
public enum PcapLinkType: Int32, Sendable {
    /// Raw IPv4 or IPv6, no link header (`LINKTYPE_RAW`): what sipflow records, having no link layer to tell.
    case rawIP = 101
    /// Ethernet (`LINKTYPE_ETHERNET`).
    case ethernet = 1
    /// The Linux "cooked" header (`LINKTYPE_LINUX_SLL`, 113): what `tcpdump -i any` wrote before libpcap 1.10.
    case linuxCooked = 113
    /// The second Linux cooked header (`LINKTYPE_LINUX_SLL2`, 276).
    case linuxCooked2 = 276
    /// BSD loopback (`LINKTYPE_NULL`, 0): the address family in the writing host's byte order.
    case bsdNull = 0
    /// OpenBSD loopback (`LINKTYPE_LOOP`, 108): the address family in network byte order.
    case bsdLoop = 108
    /// Raw IPv4 (`LINKTYPE_IPV4`, 228).
    case ipv4 = 228
    /// Raw IPv6 (`LINKTYPE_IPV6`, 229).
    case ipv6 = 229

    /// The libpcap DLT value (DLT_RAW differs between systems; libpcap writes it as `LINKTYPE_RAW`, 101).
    public var dlt: Int32 {
        switch self {
        case .rawIP: return DLT_RAW
        case .ethernet: return DLT_EN10MB
        case .linuxCooked: return 113
        case .linuxCooked2: return 276
        case .bsdNull: return DLT_NULL
        case .bsdLoop: return 108
        case .ipv4: return 228
        case .ipv6: return 229
        }
    }
}

/// A capture file written with libpcap (`pcap_open_dead`, `pcap_dump_open`): classic pcap, microsecond timestamps,
/// read by Wireshark, tshark and sngrep.
///
/// Not thread-safe: its owner writes from one thread (`PcapTap` uses a queue of its own). A write that fails (a full
/// disk) is found at the next `flush()`, which cuts the file back to what the last good flush left, so the file
/// stays valid, holding every packet written until then, and reports the failure once.
public final class PcapFileWriter {
    public let path: String
    private let handle: OpaquePointer
    private var dumper: OpaquePointer?
    /// The file's length after the last flush that succeeded: where a failed write is cut back to.
    private var goodLength: Int64
    /// Why writing stopped, once it has.
    public private(set) var failure: PcapError?
    /// The file's length once what was written is flushed: the header, and each packet with its 16-byte record.
    public private(set) var size: Int64 = 0
    /// The length of a file with no packet (the 24-byte file header).
    public private(set) var headerSize: Int64 = 0
    /// Where each packet written since the last good flush ends: what a failed flush can still keep.
    private var packetEnds: [Int64] = []

    /// Creates (truncates) `path` and writes the file header.
    public init(path: String, linkType: PcapLinkType = .rawIP, snapLength: Int32 = 262_144) throws(PcapError) {
        self.path = path
        guard let handle = pcap_open_dead(linkType.dlt, snapLength) else {
            throw PcapError("cannot write '\(path)': libpcap could not make a capture handle")
        }
        guard let dumper = pcap_dump_open(handle, path) else {
            let reason = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw PcapError("cannot create '\(path)': \(Self.trimmed(reason, path))")
        }
        self.handle = handle
        self.dumper = dumper
        guard pcap_dump_flush(dumper) == 0 else {
            let reason = String(cString: strerror(errno))
            pcap_dump_close(dumper)
            pcap_close(handle)
            throw PcapError("cannot write '\(path)': \(reason)")
        }
        goodLength = pcap_dump_ftell64(dumper)
        size = goodLength
        headerSize = goodLength
    }

    deinit { close() }

    /// Appends one packet, stamped `timestamp` (nanoseconds since the Unix epoch; the file keeps microseconds).
    /// `originalLength`, when larger than the bytes given, records a packet the snap length cut.
    public func write(_ packet: UnsafeRawBufferPointer, timestamp: UInt64, originalLength: Int? = nil) {
        guard let dumper, failure == nil, let base = packet.baseAddress else { return }
        var header = pcap_pkthdr()
        header.ts.tv_sec = time_t(timestamp / 1_000_000_000)
        header.ts.tv_usec = suseconds_t(timestamp % 1_000_000_000 / 1_000)
        header.caplen = bpf_u_int32(packet.count)
        header.len = bpf_u_int32(max(packet.count, originalLength ?? 0))
        pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header,
                  base.assumingMemoryBound(to: UInt8.self))
        size += 16 + Int64(packet.count)
        packetEnds.append(size)
    }

    /// Writes what libpcap buffered to the file. On failure (a full disk), cuts the file back to the end of the last
    /// good flush, stops writing, and throws; later calls throw the same failure.
    public func flush() throws(PcapError) {
        if let failure { throw failure }
        guard let dumper else { return }
        let file = pcap_dump_file(dumper)
        if pcap_dump_flush(dumper) == 0, let file, ferror(file) == 0 {
            goodLength = pcap_dump_ftell64(dumper)
            packetEnds.removeAll(keepingCapacity: true)
            return
        }
        let reason = String(cString: strerror(errno))
        if let file { goodLength = CaptureFileCut.toWholePackets(fileno(file), good: goodLength, packetEnds: packetEnds) }
        let failure = PcapError("cannot write '\(path)': \(reason); it holds the packets written before")
        self.failure = failure
        throw failure
    }

    /// Flushes and closes the file. Further writes are ignored.
    public func close() {
        guard let dumper else { return }
        try? flush()
        if failure != nil, let file = pcap_dump_file(dumper) {
            // What failed is cut off; closing must not write the rest of the buffer after it.
            clearerr(file)
            _ = ftruncate(fileno(file), off_t(goodLength))
        }
        pcap_dump_close(dumper)
        pcap_close(handle)
        // Closing writes what stdio still held, past the cut: cut again, by name.
        if failure != nil { _ = truncate(path, off_t(goodLength)) }
        self.dumper = nil
    }

    /// libpcap names the file itself in some messages: keep one mention.
    static func trimmed(_ reason: String, _ path: String) -> String {
        reason.hasPrefix(path + ": ") ? String(reason.dropFirst(path.count + 2)) : reason
    }
}

/// One packet read from a capture file.
public struct PcapPacket: Sendable {
    /// Nanoseconds since the Unix epoch.
    public let timestamp: UInt64
    /// The bytes captured (possibly fewer than the packet had: `originalLength`).
    public let bytes: [UInt8]
    public let originalLength: Int

    public init(timestamp: UInt64, bytes: [UInt8], originalLength: Int? = nil) {
        self.timestamp = timestamp
        self.bytes = bytes
        self.originalLength = originalLength ?? bytes.count
    }
}

/// A capture file read with libpcap (`pcap_open_offline`): pcap or pcapng, with nanosecond timestamps; a
/// gzip-compressed file (`capture.pcap.gz`, as tcpdump rotation and many archives leave them) is read through zlib.
public final class PcapFileReader {
    public let path: String
    private let handle: OpaquePointer
    /// The link type of the file's packets (libpcap's DLT value).
    public let linkType: Int32
    /// The file is gzip-compressed.
    public let compressed: Bool

    public init(path: String) throws(PcapError) {
        self.path = path
        var error = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        func failure(_ reason: String) -> PcapError {
            PcapError("cannot read '\(path)': \(PcapFileWriter.trimmed(reason, path))")
        }
        func libpcapReason() -> String {
            String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        // Through zlib, compressed or not: the file is opened once and read from its start (a FIFO works).
        var gzip: Int32 = 0
        guard let stream = CGzipFile_open(path, &gzip) else {
            if errno == ESPIPE { throw failure("gzip-compressed input must be a file, not a pipe (decompress it first: zcat)") }
            throw failure(String(cString: strerror(errno)))
        }
        compressed = gzip != 0
        guard let handle = pcap_fopen_offline_with_tstamp_precision(stream, UInt32(PCAP_TSTAMP_PRECISION_NANO), &error) else {
            fclose(stream)
            throw failure(libpcapReason() + (compressed ? " (after gzip decompression)" : ""))
        }
        self.handle = handle
        linkType = pcap_datalink(handle)
    }

    deinit { pcap_close(handle) }

    /// The next packet, or nil at the end of the file. Throws for a file cut short or damaged.
    public func next() throws(PcapError) -> PcapPacket? {
        switch try PcapRead.next(handle, precision: PCAP_TSTAMP_PRECISION_NANO, describing: "'\(path)'") {
        case .packet(let p): return p
        case .timeout, .end: return nil
        }
    }

    /// Keeps only the packets matching the BPF expression `filter` (pcap-filter(7), as tcpdump takes it).
    public func setFilter(_ filter: String) throws(PcapError) {
        try PcapRead.setFilter(filter, on: handle, describing: "'\(path)'")
    }
}

/// Packets as they cross a network interface (`pcap_create`, `pcap_activate`): what `analyze --interface` reads.
///
/// `stop()` may be called from any thread (a signal handler's queue): libpcap's `pcap_breakloop` is made for it.
public final class PcapLiveCapture: @unchecked Sendable {
    public let interface: String
    private let handle: OpaquePointer
    private let precision: Int32
    public let linkType: Int32
    /// `next()` has seen `stop()`.
    public private(set) var stopped = false
    private var nonblocking = false

    /// Opens `interface` ("lo", "eth0", "any") for capture, not promiscuous, delivering each packet at once;
    /// `filter` is a BPF expression. Capturing needs root or the CAP_NET_RAW capability.
    public init(interface: String, snapLength: Int32 = 262_144, filter: String? = nil) throws(PcapError) {
        self.interface = interface
        var error = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(interface, &error) else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PcapError("cannot capture on '\(interface)': \(reason)")
        }
        pcap_set_snaplen(handle, snapLength)
        pcap_set_promisc(handle, 0)
        pcap_set_timeout(handle, 100)  // ms: next() returns that often with nothing, to see stop()
        pcap_set_immediate_mode(handle, 1)
        pcap_set_buffer_size(handle, 64 << 20)
        _ = pcap_set_tstamp_precision(handle, PCAP_TSTAMP_PRECISION_NANO)  // microseconds where not supported
        let status = pcap_activate(handle)
        if status < 0 {
            let detail = status == PCAP_ERROR ? String(cString: pcap_geterr(handle)) : String(cString: pcap_statustostr(status))
            pcap_close(handle)
            throw PcapError("cannot capture on '\(interface)': \(detail)")
        }
        self.handle = handle
        precision = pcap_get_tstamp_precision(handle)
        linkType = pcap_datalink(handle)
        if let filter {
            do { try PcapRead.setFilter(filter, on: handle, describing: "'\(interface)'") } catch {
                pcap_close(handle)
                throw error
            }
        }
    }

    deinit { pcap_close(handle) }

    /// The next packet; nil when none came within 100 ms, or once `stop()` was called (`stopped`).
    public func next() throws(PcapError) -> PcapPacket? {
        switch try PcapRead.next(handle, precision: precision, describing: "'\(interface)'") {
        case .packet(let p): return p
        case .timeout: return nil
        case .end:
            stopped = true
            return nil
        }
    }

    /// Ends the capture: the `next()` waiting (or the next one) returns nil with `stopped` set.
    public func stop() { pcap_breakloop(handle) }

    /// After `stop()`: a packet the kernel still holds, or nil once it holds none (the reads no longer wait).
    public func drain() throws(PcapError) -> PcapPacket? {
        if !nonblocking {
            var error = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
            guard pcap_setnonblock(handle, 1, &error) == 0 else { return nil }
            nonblocking = true
        }
        switch try PcapRead.next(handle, precision: precision, describing: "'\(interface)'") {
        case .packet(let p): return p
        case .timeout, .end: return nil
        }
    }

    /// What the kernel counted: packets received, and dropped for want of buffer space.
    public var statistics: (received: Int, dropped: Int) {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return (0, 0) }
        return (Int(stats.ps_recv), Int(stats.ps_drop))
    }
}

/// What reading a libpcap handle gives, and the calls behind it.
enum PcapRead {
    enum Result {
        case packet(PcapPacket)
        /// A live capture's read timeout passed with no packet.
        case timeout
        /// The end of the file, or `pcap_breakloop`.
        case end
    }

    static func next(_ handle: OpaquePointer, precision: Int32, describing source: String) throws(PcapError) -> Result {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        switch pcap_next_ex(handle, &header, &data) {
        case 1:
            guard let header, let data else { return .timeout }
            let h = header.pointee
            let fraction = UInt64(h.ts.tv_usec) * (precision == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1_000)
            let ns = UInt64(h.ts.tv_sec) * 1_000_000_000 + fraction
            return .packet(PcapPacket(timestamp: ns, bytes: Array(UnsafeBufferPointer(start: data, count: Int(h.caplen))),
                                      originalLength: Int(h.len)))
        case 0:
            return .timeout
        case PCAP_ERROR_BREAK:
            return .end
        default:
            throw PcapError("cannot read \(source): \(String(cString: pcap_geterr(handle)))")
        }
    }

    static func setFilter(_ filter: String, on handle: OpaquePointer, describing source: String) throws(PcapError) {
        var program = bpf_program()
        guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw PcapError("the filter '\(filter)' is not a BPF expression: \(String(cString: pcap_geterr(handle)))")
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw PcapError("cannot filter \(source): \(String(cString: pcap_geterr(handle)))")
        }
    }
}
