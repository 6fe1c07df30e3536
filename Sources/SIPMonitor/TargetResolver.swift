import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Finds the address to probe for a target (RFC 3263 §4.2 for UDP): an IP literal as is; a name with a port
/// through A/AAAA (getaddrinfo); a name without a port through SRV `_sip._udp.<name>` first, then A/AAAA on 5060.
///
/// SRV goes through the C library's `res_query`, looked up at run time (`dlsym`, then `libresolv.so.2`); where
/// neither has it, names without a port fall back to A/AAAA. `localhost` and `*.localhost` never go to DNS
/// (RFC 6761 §6.3).
public struct TargetResolver: Sendable {
    public var useSRV: Bool

    public init(useSRV: Bool = true) { self.useSRV = useSRV }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The addresses to probe, best first. Blocking (DNS): call it off the event loops.
    public func resolve(_ target: ProbeTarget) throws(Failure) -> [SocketAddress] {
        if target.isNumeric {
            do {
                return [try SocketAddress(ipAddress: target.host, port: target.port ?? 5060)]
            } catch {
                throw Failure(description: "'\(target.host)' is not a valid IP address")
            }
        }
        let lower = target.host.lowercased()
        let local = lower == "localhost" || lower.hasSuffix(".localhost")
        if target.port == nil, useSRV, !local {
            let records = SRVRecord.ordered(SRVQuery.lookup(target.transport.srvPrefix + target.host))
            var out: [SocketAddress] = []
            for r in records { out += (try? Self.addresses(r.target, port: Int(r.port))) ?? [] }
            if !out.isEmpty { return out }
        }
        return try Self.addresses(target.host, port: target.port ?? 5060)
    }

    /// A/AAAA through getaddrinfo, for UDP.
    static func addresses(_ host: String, port: Int) throws(Failure) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw Failure(description: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var out: [SocketAddress] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            if let sa = ai.pointee.ai_addr {
                switch ai.pointee.ai_family {
                case AF_INET:
                    let a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                    out.append(SocketAddress(a, host: host))
                case AF_INET6:
                    let a = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                    out.append(SocketAddress(a, host: host))
                default: break
                }
            }
            p = ai.pointee.ai_next
        }
        var seen = Set<String>()
        out = out.filter { seen.insert($0.description).inserted }
        guard !out.isEmpty else { throw Failure(description: "no IPv4 or IPv6 address") }
        return out
    }
}

/// DNS SRV queries through the C resolver. The one file-local place that calls `res_query`.
enum SRVQuery {
    typealias ResQuery = @convention(c) (UnsafePointer<CChar>?, Int32, Int32, UnsafeMutablePointer<UInt8>?, Int32) -> Int32

    /// `res_query` from the C library (glibc ≥ 2.34 has it in libc) or libresolv; nil when neither has it.
    static let resQuery: ResQuery? = {
        if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "res_query") { return unsafeBitCast(sym, to: ResQuery.self) }
        guard let lib = dlopen("libresolv.so.2", RTLD_NOW) else { return nil }
        for name in ["res_query", "__res_query"] {
            if let sym = dlsym(lib, name) { return unsafeBitCast(sym, to: ResQuery.self) }
        }
        return nil
    }()

    /// Whether SRV lookups are possible on this system.
    static var isAvailable: Bool { resQuery != nil }

    /// The SRV records for `name` (class IN, type 33), or [] when there are none or DNS fails.
    static func lookup(_ name: String) -> [SRVRecord] {
        guard let q = resQuery else { return [] }
        var answer = [UInt8](repeating: 0, count: 4096)
        let n = answer.withUnsafeMutableBufferPointer { buf in q(name, 1, 33, buf.baseAddress, Int32(buf.count)) }
        guard n > 0 else { return [] }
        return SRVRecord.parseAnswer(Array(answer[0..<min(Int(n), answer.count)]))
    }
}
