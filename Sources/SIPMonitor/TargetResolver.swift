import Foundation
import NIOCore
import SIPTransport
#if canImport(Glibc)
import Glibc
#endif

/// Finds the address to probe for a target (RFC 3263 §4.2 for UDP): an IP literal as is; a name with a port
/// through A/AAAA (getaddrinfo); a name without a port through SRV `_sip._udp.<name>` first, then A/AAAA on 5060.
///
/// The lookups themselves are `NameResolution`'s (SRV through the system resolver's `res_nquery`, A/AAAA through
/// getaddrinfo). `localhost` and `*.localhost` never go to DNS for SRV (RFC 6761 §6.3).
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
        do {
            return try NameResolution.addresses(of: target.host, port: target.port,
                                                srvPrefix: useSRV ? target.transport.srvPrefix : nil)
        } catch {
            throw Failure(description: error.reason)
        }
    }
}
