import CSIPSocket
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ICMP errors for the datagrams an unconnected UDP socket sent (RFC 3261 §18.4: the transport tells the
/// transaction that a send failed). With IP_RECVERR the kernel queues each ICMP port or host unreachable on the
/// socket's error queue with the datagram it was about; each becomes a `SendFailure`, so a call to a port where
/// nothing listens fails at once instead of after its timers. The queue must be read whenever the socket reports
/// an error: while it holds anything, the socket stays in error for the event loop's poll.
enum ICMPErrors {
    /// Turns the reports on for `socket` (an IPv4 or IPv6 UDP socket). False where the system has none.
    @discardableResult
    static func enable(on socket: CInt, family: CInt) -> Bool {
        CSIPSocket_enable_errors(socket, family) == 0
    }

    /// Reads the errors waiting on `socket`'s error queue (at most `limit`), handing each to `report`. Returns how
    /// many it read.
    @discardableResult
    static func drain(_ socket: CInt, limit: Int = 1024, report: (SendFailure) -> Void) -> Int {
        var payload = [UInt8](repeating: 0, count: 2048)
        var count = 0
        while count < limit {
            var name = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            var code: CInt = 0
            let n = payload.withUnsafeMutableBytes {
                CSIPSocket_read_error(socket, $0.baseAddress, CInt($0.count), &name, &length, &code)
            }
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            count += 1
            guard let destination = address(name) else { continue }
            report(SendFailure(bytes: Array(payload[0..<Int(n)]), destination: destination, reason: reason(code)))
        }
        return count
    }

    /// The system's words for the error, and what ICMP said (port unreachable comes as ECONNREFUSED).
    static func reason(_ code: CInt) -> String {
        let words = code == 0 ? "an ICMP error" : String(cString: strerror(code))
        switch code {
        case ECONNREFUSED: return "\(words) (ICMP port unreachable)"
        case EHOSTUNREACH: return "\(words) (ICMP host unreachable)"
        case ENETUNREACH: return "\(words) (ICMP network unreachable)"
        default: return "\(words) (ICMP)"
        }
    }

    private static func address(_ name: sockaddr_storage) -> SocketAddress? {
        var name = name
        switch CInt(name.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &name) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee) } }
        case AF_INET6:
            return withUnsafePointer(to: &name) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee) } }
        default:
            return nil
        }
    }
}
