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
/// hold and write again later. Only used on the endpoint's event loop.
final class DatagramWriter {
    /// Datagrams a batch holds, and bytes: a full batch is written before another datagram is queued.
    static let maxBatch = 64
    static let capacity = 256 << 10

    let socket: CInt
    private let messages = MessageVector(count: maxBatch, bytes: capacity)
    private var destinations: [SocketAddress] = []
    private var used = 0

    /// Told of each datagram the kernel refuses for a reason other than a full socket (see `flush`).
    var onRefused: ((SendFailure) -> Void)?

    /// Reads the socket's error queue (`ICMPErrors`), reporting what it holds: how many errors it read. Called when a
    /// send fails, to tell an earlier datagram's ICMP error, which the kernel returns from this send, from this
    /// datagram's own.
    var readPendingErrors: (() -> Int)?

    /// How often one datagram is sent again after a send that reported earlier datagrams' errors.
    static let pendingErrorRetries = 4

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

    /// Whether `enqueue` can take a datagram of this size to this address: one no larger than a batch, to an IPv4
    /// or IPv6 address.
    static func accepts(_ size: Int, to destination: SocketAddress) -> Bool {
        switch destination {
        case .v4, .v6: return size <= capacity
        case .unixDomainSocket: return false
        }
    }

    /// Queues one datagram (one `accepts`), first writing the batch if it has no room left. Returns false, queuing
    /// nothing, when writing the full batch met a socket that takes no more for now: the endpoint holds this
    /// datagram after what went to `blocked`, so that datagrams leave in the order they were sent.
    func enqueue(_ bytes: [UInt8], to destination: SocketAddress, blocked: ([UInt8], SocketAddress) -> Void) -> Bool {
        precondition(Self.accepts(bytes.count, to: destination), "DatagramWriter.enqueue: \(bytes.count) bytes to \(destination)")
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
    /// when some did. A datagram the kernel refuses for another reason is dropped (SIP's timers cover the loss)
    /// after `onRefused` is told of it.
    ///
    /// A failed send may not be about the datagram sent: with IP_RECVERR, an ICMP error for an earlier datagram
    /// leaves the socket in error, and the next send returns that error and sends nothing (Linux). So a failure
    /// first reads the error queue (`readPendingErrors`, which reports each error with the datagram it was about);
    /// when that found some, the datagram is sent again. Left unread, the queue would also keep the socket in error
    /// with no error to give, which NIO takes for a broken socket and closes.
    @discardableResult
    func flush(blocked: ([UInt8], SocketAddress) -> Void) -> Bool {
        let total = destinations.count
        var next = 0
        var retries = 0
        while next < total {
            let n = write(socket, messages.headers + next, total - next)
            if n > 0 {
                next += n
                retries = 0
            } else if n == -Int(EINTR) {
                continue
            } else if n == -Int(EAGAIN) || n == -Int(EWOULDBLOCK) {
                for i in next..<total {
                    let vector = messages.vectors[i]
                    blocked(Array(UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len)), destinations[i])
                }
                break
            } else if retries < Self.pendingErrorRetries, let readPendingErrors, readPendingErrors() > 0 {
                retries += 1  // an earlier datagram's error: this one was not sent yet
            } else {
                retries = 0
                if let onRefused {
                    let vector = messages.vectors[next]
                    onRefused(SendFailure(bytes: UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len),
                                          destination: destinations[next], errno: CInt(-n)))
                }
                next += 1
            }
        }
        destinations.removeAll(keepingCapacity: true)
        used = 0
        return next >= total
    }
}
