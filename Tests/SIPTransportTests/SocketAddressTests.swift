#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Testing
@testable import SIPTransport

@Suite struct SocketAddressTests {
    /// `unshared` is the same address (family, host, port, and an IPv6 scope) in storage of its own.
    @Test func anUnsharedCopyIsTheSameAddress() throws {
        var scoped = sockaddr_in6()
        scoped.sin6_family = sa_family_t(AF_INET6)
        scoped.sin6_port = in_port_t(5062).bigEndian
        scoped.sin6_addr.__in6_u.__u6_addr8.0 = 0xfe
        scoped.sin6_addr.__in6_u.__u6_addr8.1 = 0x80
        scoped.sin6_addr.__in6_u.__u6_addr8.15 = 1
        scoped.sin6_scope_id = 3
        let addresses = [
            try SocketAddress(ipAddress: "127.0.0.1", port: 5060),
            try SocketAddress(ipAddress: "::1", port: 5061),
            SocketAddress(scoped, host: "fe80::1"),
        ]
        for address in addresses {
            let copy = address.unshared
            #expect(copy == address)
            #expect(copy.port == address.port)
            #expect(copy.ipAddress == address.ipAddress)
            #expect(copy.protocol == address.protocol)
        }
        guard case .v6(let a) = addresses[2].unshared else { Issue.record("not IPv6"); return }
        #expect(a.address.sin6_scope_id == 3)
    }
}
