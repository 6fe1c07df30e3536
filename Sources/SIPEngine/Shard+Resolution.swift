import NIOCore
import SIPCore
import SIPTransport

/// Host names a dialog learns (a Contact's remote target, a Record-Route's route), resolved off the event loop.
///
/// A message whose Contact or Record-Route names a host that is a name, not an IP address, and not resolved yet is
/// held; the name is resolved on NIO's thread pool (RFC 3263 §4.2: SRV when the URI has no port, then A/AAAA), and
/// the message is handled once the answer is in. So `destination(for:)` finds every address it needs without
/// waiting on DNS, and the event loop never blocks. Most runs never get here: their peers give IP addresses.
extension Shard {
    /// A server a URI names by host name: the key `resolvedNames` keeps its address under.
    struct NamedServer: Hashable {
        let host: String
        let port: Int?
        let secure: Bool
        let transport: SIPTransportKind
    }

    /// The server `uri` names, or nil when its host is an IP address (or it has none).
    func namedServer(_ uri: SIPURI) -> NamedServer? {
        guard let raw = uri.host, let first = raw.bytes.first, first != UInt8(ascii: "[") else { return nil }
        let host = raw.string
        if (try? SocketAddress(ipAddress: host, port: 0)) != nil { return nil }
        let named = uri.parameter("transport").flatMap { SIPTransportKind(rawValue: $0.string.uppercased()) }
        return NamedServer(host: host.lowercased(), port: uri.port, secure: uri.isSIPS,
                           transport: named ?? (uri.isSIPS ? .tls : transport))
    }

    /// The address `destination(for:)` uses for a server named by host name; throws when the name did not resolve.
    func address(of server: NamedServer) throws -> SocketAddress {
        switch resolvedNames[server] {
        case .success(let address): return address
        case .failure(let failure): throw EngineError("\(failure)")
        case nil: throw EngineError("cannot resolve '\(server.host)': the name was not looked up")  // not expected
        }
    }

    /// Whether `message` must wait for a name in its Contact or Record-Route to be resolved (see the extension's
    /// comment); if so it is held and `handle(_:held:)` gets it again when the name is resolved.
    func holdsForNames(_ message: SIPMessage, _ inbound: InboundMessage) -> Bool {
        for name in [HeaderName.contact, .recordRoute] {
            guard message.fieldValues(name).contains(where: { Self.mayNameAHost($0.value) }),
                  let addresses = try? message.parseAddresses(name) else { continue }
            for na in addresses {
                guard let uri = try? na.parsedURI(), let server = namedServer(uri), resolvedNames[server] == nil
                else { continue }
                hold(inbound, for: server)
                return true
            }
        }
        return false
    }

    /// Whether a Contact or Record-Route value may name a host by name: a cheap look at the first URI's host, so
    /// that values with IP addresses (almost all) cost no parse. Conservative: true when unsure.
    static func mayNameAHost(_ value: ByteString) -> Bool {
        let bytes = value.bytes
        if bytes.contains(UInt8(ascii: ",")) { return true }  // several values: let the parse decide
        var i = bytes.startIndex
        var sawScheme = false
        var hostStart: Int?
        while i < bytes.endIndex {
            let b = bytes[i]
            if !sawScheme, b == UInt8(ascii: ":") {
                sawScheme = true
                hostStart = i + 1
            } else if sawScheme, b == UInt8(ascii: "@") {
                hostStart = i + 1
            } else if sawScheme, b == UInt8(ascii: ";") || b == UInt8(ascii: ">") || b == UInt8(ascii: "?") {
                break
            }
            i += 1
        }
        guard let start = hostStart, start < bytes.endIndex else { return true }
        if bytes[start] == UInt8(ascii: "[") { return false }  // an IPv6 reference
        var j = start
        while j < bytes.endIndex, bytes[j] != UInt8(ascii: ":"), bytes[j] != UInt8(ascii: ";"),
              bytes[j] != UInt8(ascii: ">"), bytes[j] != UInt8(ascii: "?"), bytes[j] != UInt8(ascii: "@") {
            let c = bytes[j]
            if !(ASCII.isDigit(c) || c == UInt8(ascii: ".")) { return true }
            j += 1
        }
        return j == start
    }

    /// Holds `inbound` until `server` is resolved, starting the lookup if it is the first to wait for it.
    private func hold(_ inbound: InboundMessage, for server: NamedServer) {
        if heldForNames[server] != nil {
            heldForNames[server]!.append(inbound)
            return
        }
        heldForNames[server] = [inbound]
        let prefix: String
        switch server.transport {
        case .udp: prefix = server.secure ? "_sips._tcp." : "_sip._udp."
        case .tcp: prefix = server.secure ? "_sips._tcp." : "_sip._tcp."
        case .tls: prefix = "_sips._tcp."
        }
        let defaultPort = server.secure || server.transport == .tls ? 5061 : 5060
        host.resolve(server, srvPrefix: prefix, defaultPort: defaultPort) { [self] result in
            // An address of our socket's family first: `localhost` gives ::1 and 127.0.0.1, and an IPv4 socket
            // cannot send to the first.
            let family = host.localAddress?.protocol
            resolved(server, result.flatMap { addresses in
                guard let best = addresses.first(where: { $0.protocol == family }) ?? addresses.first else {
                    return .failure(NameResolution.Failure(host: server.host, reason: "no address"))
                }
                return .success(best)
            })
        }
    }

    /// A lookup finished (on the shard's loop): the messages that waited for it are handled.
    private func resolved(_ server: NamedServer, _ result: Result<SocketAddress, NameResolution.Failure>) {
        resolvedNames[server] = result
        guard let held = heldForNames.removeValue(forKey: server), !halted else { return }
        for inbound in held { handle(inbound, held: true) }
    }
}
