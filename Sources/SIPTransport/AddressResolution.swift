import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turning `host:port` text into socket addresses, and finding which local address reaches a peer.
public enum AddressResolution {
    /// Parses `host`, `host:port`, `[v6]:port`, `sip:host:port` or `sip:user@host:port;params` and resolves the host
    /// (IP literals directly, names through getaddrinfo). Throws a `TransportError` naming what failed.
    public static func resolve(_ text: String, defaultPort: Int = 5060) throws -> SocketAddress {
        let (host, port) = try split(text, defaultPort: defaultPort)
        if let ip = try? SocketAddress(ipAddress: host, port: port) { return ip }
        do {
            return try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw TransportError("cannot resolve '\(host)': \(error)")
        }
    }

    /// A target written by a user, found as RFC 3263 §4.2 finds a server: an IP address as it is; a name with a port
    /// through A/AAAA; a name without one through SRV (`_sip._udp.`, `_sips._tcp.` for `sips:`) first, then A/AAAA
    /// on 5060 (5061). DNS runs on NIO's thread pool. Prefers an address of `family` when the name has several.
    public static func resolveServer(_ text: String, family: NIOBSDSocket.ProtocolFamily? = nil) async throws -> SocketAddress {
        let (host, given) = try split(text, defaultPort: -1)
        let secure = text.lowercased().hasPrefix("sips:")
        let port = given < 0 ? nil : given
        if let ip = try? SocketAddress(ipAddress: host, port: port ?? (secure ? 5061 : 5060)) { return ip }
        let addresses: [SocketAddress]
        do {
            addresses = try await NameResolution.onThreadPool(host, port: port, srvPrefix: secure ? "_sips._tcp." : "_sip._udp.",
                                                              defaultPort: secure ? 5061 : 5060)
        } catch let failure as NameResolution.Failure {
            throw TransportError(failure.description)
        }
        return addresses.first { $0.protocol == family } ?? addresses[0]
    }

    /// The host and port of a target written by a user.
    public static func split(_ text: String, defaultPort: Int = 5060) throws -> (host: String, port: Int) {
        var t = Substring(text)
        for scheme in ["sips:", "sip:"] where t.lowercased().hasPrefix(scheme) { t = t.dropFirst(scheme.count) }
        if let at = t.lastIndex(of: "@") { t = t[t.index(after: at)...] }
        if let semi = t.firstIndex(of: ";") { t = t[..<semi] }
        guard !t.isEmpty else { throw TransportError("'\(text)' names no host") }
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else { throw TransportError("'\(text)': '[' without ']'") }
            let host = String(t[t.index(after: t.startIndex)..<close])
            let rest = t[t.index(after: close)...]
            if rest.isEmpty { return (host, defaultPort) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (0...65535).contains(port) else {
                throw TransportError("'\(text)': the port is not a number from 0 to 65535")
            }
            return (host, port)
        }
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1 { return (String(t), defaultPort) }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (0...65535).contains(port) else {
                throw TransportError("'\(text)': the port is not a number from 0 to 65535")
            }
            return (String(parts[0]), port)
        }
        return (String(t), defaultPort)  // a bare IPv6 address
    }

    /// The local IP the kernel would use to reach `peer` (a UDP connect sends nothing).
    public static func localIP(toward peer: SocketAddress) -> String? {
        let fd = socket(peer.protocol.rawValue, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var ok = false
        peer.withSockAddr { addr, len in ok = connect(fd, addr, socklen_t(len)) == 0 }
        guard ok else { return nil }
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let r = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard r == 0, let local = try? SocketAddress(storage: storage, length: Int(len)) else { return nil }
        return local.ipAddress
    }
}

extension SocketAddress {
    init(storage: sockaddr_storage, length: Int) throws {
        var s = storage
        switch Int32(s.ss_family) {
        case AF_INET:
            self = withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee, host: "") } }
        case AF_INET6:
            self = withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee, host: "") } }
        default:
            throw TransportError("unknown address family \(s.ss_family)")
        }
    }
}

extension SocketAddress {
    /// An equal address in storage of its own. An IP `SocketAddress` keeps its `sockaddr` in a reference-counted box
    /// that its copies share: threads that each copy the same address on every message (a target every shard sends
    /// to) would count references on one box from several cores, and wait on each other's cache lines for it.
    public var unshared: SocketAddress {
        switch self {
        case .v4(let a): SocketAddress(a.address, host: a.host)
        case .v6(let a): SocketAddress(a.address, host: a.host)
        case .unixDomainSocket: self
        }
    }
}
