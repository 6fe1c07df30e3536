import NIOCore
import Testing
@testable import SIPTransport

/// Finding a server from a target as a user writes it (RFC 3263 §4.2), with DNS on NIO's thread pool.
@Suite struct ServerResolutionTests {
    @Test(arguments: [("sip:127.0.0.1", "127.0.0.1", 5060), ("sips:127.0.0.1", "127.0.0.1", 5061),
                      ("127.0.0.1:5080", "127.0.0.1", 5080), ("sip:uas@[::1]:5070;transport=udp", "::1", 5070)])
    func ipAddressesNeedNoDNS(_ text: String, _ ip: String, _ port: Int) async throws {
        let a = try await AddressResolution.resolveServer(text)
        #expect(a.ipAddress == ip && a.port == port)
    }

    /// `localhost` has ::1 and 127.0.0.1: the caller's socket family is chosen; and it never goes to SRV (RFC 6761).
    @Test func aNameGivesAnAddressOfTheFamilyAsked() async throws {
        let v4 = try await AddressResolution.resolveServer("sip:localhost:5090", family: .inet)
        #expect(v4.ipAddress == "127.0.0.1" && v4.port == 5090)
        let all = try NameResolution.addresses(of: "localhost", port: nil, srvPrefix: "_sip._udp.")
        #expect(!all.isEmpty && all.allSatisfy { $0.port == 5060 })
    }

    @Test func aNameThatDoesNotResolveSaysWhich() throws {
        #expect(throws: NameResolution.Failure.self) {
            try NameResolution.addresses(host: "bad host name", port: 5060)
        }
    }
}
