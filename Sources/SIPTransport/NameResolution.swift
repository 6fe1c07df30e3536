import CSIPResolver
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finding a SIP server's addresses from a name (RFC 3263 §4.2): SRV through the system resolver, A/AAAA through
/// getaddrinfo. Every function here blocks on DNS: run it on a thread pool (`onThreadPool`), never on an event loop.
/// `localhost` and `*.localhost` never go to DNS for SRV (RFC 6761 §6.3).
public enum NameResolution {
    /// A name that gave no address, with the system's words for why ("Name or service not known").
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let host: String
        public let reason: String
        public init(host: String, reason: String) {
            self.host = host
            self.reason = reason
        }
        public var description: String { "cannot resolve '\(host)': \(reason)" }
    }

    /// The addresses of a server named `host`, best first: with a port, A/AAAA on that port; without one, the
    /// servers of the SRV records `srvPrefix + host` (e.g. `_sip._udp.`) in their order, else A/AAAA on
    /// `defaultPort` (RFC 3263 §4.2).
    public static func addresses(of host: String, port: Int?, srvPrefix: String?, defaultPort: Int = 5060)
        throws(Failure) -> [SocketAddress]
    {
        if let ip = try? SocketAddress(ipAddress: host, port: port ?? defaultPort) { return [ip] }
        let lower = host.lowercased()
        if port == nil, let srvPrefix, lower != "localhost", !lower.hasSuffix(".localhost") {
            var out: [SocketAddress] = []
            for r in SRVRecord.ordered(srvRecords(srvPrefix + host)) {
                out += (try? addresses(host: r.target, port: Int(r.port))) ?? []
            }
            if !out.isEmpty { return out }
        }
        return try addresses(host: host, port: port ?? defaultPort)
    }

    /// `addresses(of:port:srvPrefix:defaultPort:)` on NIO's thread pool, so the caller's thread never waits on DNS.
    public static func onThreadPool(_ host: String, port: Int?, srvPrefix: String?, defaultPort: Int = 5060)
        async throws -> [SocketAddress]
    {
        try await NIOThreadPool.singleton.runIfActive {
            try addresses(of: host, port: port, srvPrefix: srvPrefix, defaultPort: defaultPort)
        }
    }

    /// A/AAAA through getaddrinfo, each address once.
    public static func addresses(host: String, port: Int) throws(Failure) -> [SocketAddress] {
        var hints = addrinfo()
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        #else
        hints.ai_socktype = SOCK_DGRAM
        #endif
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw Failure(host: host, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var out: [SocketAddress] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            if let sa = ai.pointee.ai_addr {
                switch ai.pointee.ai_family {
                case AF_INET:
                    out.append(SocketAddress(sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }, host: host))
                case AF_INET6:
                    out.append(SocketAddress(sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }, host: host))
                default: break
                }
            }
            p = ai.pointee.ai_next
        }
        var seen = Set<String>()
        out = out.filter { seen.insert($0.description).inserted }
        guard !out.isEmpty else { throw Failure(host: host, reason: "no IPv4 or IPv6 address") }
        return out
    }

    /// The SRV records for `name` (class IN, type 33), or [] when there are none or DNS fails.
    public static func srvRecords(_ name: String) -> [SRVRecord] {
        var answer = [UInt8](repeating: 0, count: 4096)
        let n = answer.withUnsafeMutableBufferPointer { sipflow_res_query(name, 1, 33, $0.baseAddress, Int32($0.count)) }
        guard n > 0 else { return [] }
        return SRVRecord.parseAnswer(Array(answer[0..<min(Int(n), answer.count)]))
    }
}
