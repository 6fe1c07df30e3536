import CSIPSocket
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The buffers of one `sendmmsg` or `recvmmsg` batch: a block for the datagrams' bytes and, for each datagram, its
/// message header, its one I/O vector and room for its address. Allocated once for an endpoint's writer or reader;
/// used only on the endpoint's event loop.
final class MessageVector {
    let data: UnsafeMutableRawPointer
    let headers: UnsafeMutablePointer<CSIPSocket_mmsghdr>
    let vectors: UnsafeMutablePointer<iovec>
    let names: UnsafeMutablePointer<sockaddr_storage>

    /// The room for an address, whatever its family.
    static let nameCapacity = MemoryLayout<sockaddr_storage>.size

    init(count: Int, bytes: Int) {
        data = .allocate(byteCount: bytes, alignment: 16)
        headers = .allocate(capacity: count)
        vectors = .allocate(capacity: count)
        names = .allocate(capacity: count)
    }

    deinit {
        data.deallocate()
        headers.deallocate()
        vectors.deallocate()
        names.deallocate()
    }

    /// Points message `i` at `length` bytes from `start`, and at its address slot, of which `nameLength` bytes count.
    func set(_ i: Int, start: UnsafeMutableRawPointer, length: Int, nameLength: Int) {
        vectors[i] = iovec(iov_base: start, iov_len: length)
        headers[i] = CSIPSocket_mmsghdr(
            msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(names + i), msg_namelen: socklen_t(nameLength),
                            msg_iov: vectors + i, msg_iovlen: 1, msg_control: nil, msg_controllen: 0, msg_flags: 0),
            msg_len: 0)
    }
}
