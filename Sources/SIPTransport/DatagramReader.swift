import CSIPSocket
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the datagrams waiting on an endpoint's socket with `recvmmsg`, straight into buffers of its own.
///
/// NIO's channel reads each datagram into a slice of its buffer, wraps it with its source in an `AddressedEnvelope`
/// and passes it down the pipeline in `NIOAny`; the source becomes a `SocketAddress` whose host text is made with
/// `inet_ntop` for every datagram. Here the bytes are copied out of a fixed slot and the source is made once for a
/// run of datagrams from one peer (most of them, for a load generator). The channel still watches the socket: this
/// only empties it when its owner asks (`UDPEndpoint.resumeReading()`). Only used on the endpoint's event loop.
final class DatagramReader {
    /// Datagrams one `recvmmsg` reads, and the room each takes: the largest UDP payload (RFC 3261 §18.1.1 allows
    /// messages up to 65,535 bytes), so none is cut short.
    static let batch = 32
    static let slot = 65_536

    let socket: CInt
    /// Whether the last `drain` met an error (the socket's pending ICMP error, which a read reports once).
    private(set) var sawError = false
    /// Reserved, not touched: the pages a slot's datagrams never reach stay out of the resident set.
    private let messages = MessageVector(count: batch, bytes: batch * slot)
    /// The source of the last datagram read, as the kernel gave it and as an address.
    private var lastName = sockaddr_storage()
    private var lastNameLength: socklen_t = 0
    private var lastSource: SocketAddress?

    /// `recvmmsg` without waiting into the prepared headers: the number of datagrams read, or `-errno`.
    private func read(_ count: Int) -> Int {
        let n = CSIPSocket_recvmmsg(socket, messages.headers, UInt32(count))
        return n >= 0 ? Int(n) : -Int(errno)
    }

    init(socket: CInt) {
        self.socket = socket
        for i in 0..<Self.batch {
            messages.set(i, start: messages.data + i * Self.slot, length: Self.slot, nameLength: MessageVector.nameCapacity)
        }
    }

    /// Reads what is waiting, in at most `rounds` system calls, and hands each datagram to `deliver` in the order
    /// it arrived. Returns how many were read. Stops early when the socket is empty or reports an error (which the
    /// channel, reading next, meets and handles as it does any other).
    @discardableResult
    func drain(rounds: Int, deliver: ([UInt8], SocketAddress) -> Void) -> Int {
        var total = 0
        sawError = false
        for _ in 0..<rounds {
            let n = read(Self.batch)
            if n == -Int(EINTR) { continue }
            if n < 0, n != -Int(EAGAIN), n != -Int(EWOULDBLOCK) {
                sawError = true  // an ICMP error (see `ICMPErrors`): the owner reads the error queue
                continue
            }
            guard n > 0 else { break }
            for i in 0..<n {
                let source = source(of: i)
                // The kernel wrote this datagram's address length over the room it had: give it back.
                messages.headers[i].msg_hdr.msg_namelen = socklen_t(MessageVector.nameCapacity)
                guard let source else { continue }  // not IPv4 or IPv6: not ours to read
                let bytes = Array(UnsafeRawBufferPointer(start: messages.vectors[i].iov_base,
                                                         count: Int(messages.headers[i].msg_len)))
                deliver(bytes, source)
            }
            total += n
            if n < Self.batch { break }  // nothing more was waiting
        }
        return total
    }

    /// The source of datagram `i` of the last read, made into an address only when it differs from the last one.
    private func source(of i: Int) -> SocketAddress? {
        let names = messages.names
        let length = messages.headers[i].msg_hdr.msg_namelen
        if let lastSource, length == lastNameLength,
           withUnsafePointer(to: &lastName, { memcmp($0, names + i, Int(length)) == 0 }) {
            return lastSource
        }
        let address: SocketAddress
        switch CInt(names[i].ss_family) {
        case AF_INET:
            address = UnsafeRawPointer(names + i).withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee) }
        case AF_INET6:
            address = UnsafeRawPointer(names + i).withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee) }
        default:
            return nil
        }
        lastName = names[i]
        lastNameLength = length
        lastSource = address
        return address
    }
}
