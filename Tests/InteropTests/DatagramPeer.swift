import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A UDP socket on 127.0.0.1 that a test drives by hand, message by message: for what no real peer can be made to
/// do on cue (re-sending a request at a given moment, byte for byte).
final class DatagramPeer {
    let port: Int
    private let fd: Int32
    /// Where `send` goes: the port given, else where the last datagram came from.
    private var peer: sockaddr_in?

    /// A socket on a free port that sends to 127.0.0.1:`port`, or (nil) answers whoever sent to it last.
    init(target port: Int? = nil) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw PeerError.didNotStart("socket: errno \(errno)") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard bound else {
            close(fd)
            throw PeerError.didNotStart("bind: errno \(errno)")
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: local.sin_port))
        if let port {
            var to = sockaddr_in()
            to.sin_family = sa_family_t(AF_INET)
            to.sin_addr.s_addr = inet_addr("127.0.0.1")
            to.sin_port = in_port_t(UInt16(port).bigEndian)
            peer = to
        }
    }

    deinit { close(fd) }

    /// Sends `text` with its line ends made CRLF.
    func send(_ text: String) {
        guard var to = peer else { return }
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        let bytes = Array(lines.joined(separator: "\r\n").utf8)
        _ = withUnsafePointer(to: &to) { address in
            address.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    /// The next datagram whose text satisfies `wanted` (others are skipped), or nil after `limit`.
    func receive(within limit: Duration, where wanted: (String) -> Bool) -> String? {
        let deadline = ContinuousClock.now + limit
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while case let left = deadline - ContinuousClock.now, left > .zero {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&pfd, 1, ms) > 0 else { continue }
            var from = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &len) }
            }
            guard n > 0 else { continue }
            if peer == nil { peer = from }
            let text = String(decoding: buffer[..<n], as: UTF8.self)
            if wanted(text) { return text }
        }
        return nil
    }
}
