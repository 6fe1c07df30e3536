import CSIPSocket
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Datagrams queued on an endpoint's event loop and written to its socket with one `sendmmsg` a batch.
///
/// NIO's channel writes each datagram through its pipeline: a `ByteBuffer`, an envelope wrapped in `NIOAny`, and a
/// pending-write record with a promise, several allocations and some fifty reference counts a datagram, which at
/// tens of thousands of messages a second cost more than the system call. Here a datagram is copied into one
/// buffer allocated once and its address into a slot beside it; `flush()` hands the batch to the kernel.
///
/// When the socket takes no more for now (`EAGAIN`), what is left goes to `blocked`, in order, for the endpoint to
/// write through NIO, which waits for the socket to become writable. Only used on the endpoint's event loop.
final class DatagramWriter {
    /// Datagrams a batch holds, and bytes: a full batch is written before another datagram is queued.
    static let maxBatch = 64
    static let capacity = 256 << 10

    let socket: CInt
    private let messages = MessageVector(count: maxBatch, bytes: capacity)
    private var destinations: [SocketAddress] = []
    private var used = 0

    /// Datagrams queued and not yet written.
    var count: Int { destinations.count }

    /// Writes `count` prepared headers to the socket: the number written, or `-errno`. Tests replace it to see the
    /// socket refuse part of a batch.
    var write: (_ socket: CInt, _ headers: UnsafeMutablePointer<CSIPSocket_mmsghdr>, _ count: Int) -> Int = systemWrite

    /// `sendmmsg`: the number of datagrams written, or `-errno`.
    static func systemWrite(_ socket: CInt, _ headers: UnsafeMutablePointer<CSIPSocket_mmsghdr>, _ count: Int) -> Int {
        let n = CSIPSocket_sendmmsg(socket, headers, UInt32(count), 0)
        return n >= 0 ? Int(n) : -Int(errno)
    }

    init(socket: CInt) {
        self.socket = socket
        destinations.reserveCapacity(Self.maxBatch)
    }

    /// Queues one datagram, first writing the batch if it has no room left. Returns false, queuing nothing, for a
    /// datagram larger than a batch or an address that is not IPv4 or IPv6, and when writing the full batch met a
    /// socket that takes no more for now: the endpoint sends those through NIO (the last after what went to
    /// `blocked`, so that datagrams leave in the order they were sent).
    func enqueue(_ bytes: [UInt8], to destination: SocketAddress, blocked: (ByteBuffer, SocketAddress) -> Void) -> Bool {
        guard bytes.count <= Self.capacity else { return false }
        switch destination {
        case .v4, .v6: break
        case .unixDomainSocket: return false
        }
        if destinations.count == Self.maxBatch || used + bytes.count > Self.capacity {
            guard flush(blocked: blocked) else { return false }
        }
        let i = destinations.count
        let start = messages.data + used
        bytes.withUnsafeBytes { if let from = $0.baseAddress { start.copyMemory(from: from, byteCount: $0.count) } }
        let nameLength = destination.withSockAddr { address, size in
            UnsafeMutableRawPointer(messages.names + i).copyMemory(from: address, byteCount: size)
            return size
        }
        messages.set(i, start: start, length: bytes.count, nameLength: nameLength)
        used += bytes.count
        destinations.append(destination)
        return true
    }

    /// Writes the queued datagrams. Those the socket would not take now go to `blocked`, in order; returns false
    /// when some did. A datagram the kernel refuses for another reason is dropped, as NIO drops it (SIP's timers
    /// cover the loss).
    @discardableResult
    func flush(blocked: (ByteBuffer, SocketAddress) -> Void) -> Bool {
        let total = destinations.count
        var next = 0
        while next < total {
            let n = write(socket, messages.headers + next, total - next)
            if n > 0 {
                next += n
            } else if n == -Int(EINTR) {
                continue
            } else if n == -Int(EAGAIN) || n == -Int(EWOULDBLOCK) {
                for i in next..<total {
                    let vector = messages.vectors[i]
                    let bytes = UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len)
                    blocked(ByteBuffer(bytes: bytes), destinations[i])
                }
                break
            } else {
                next += 1
            }
        }
        destinations.removeAll(keepingCapacity: true)
        used = 0
        return next >= total
    }
}
