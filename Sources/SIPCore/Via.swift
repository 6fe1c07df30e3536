/// One Via header value (RFC 3261 §20.42): `SIP/2.0/UDP host:port;branch=…;received=…;rport`.
public struct Via: Sendable, Hashable {
    public let protocolName: ByteString
    public let protocolVersion: ByteString
    public let transport: ByteString
    public let host: ByteString
    public let port: Int?
    public let parameters: [SIPParameter]

    /// The transaction ID of RFC 3261 §17.1.1.3 / §8.1.1.7.
    @inlinable public var branch: ByteString? { parameters.first(named: "branch")?.value }
    public var received: ByteString? { parameters.first(named: "received")?.value }
    public var maddr: ByteString? { parameters.first(named: "maddr")?.value }
    public var ttl: ByteString? { parameters.first(named: "ttl")?.value }
    /// The `rport` parameter (RFC 3581): `.some(nil)` when present without a value.
    public var rport: ByteString?? {
        guard let p = parameters.first(named: "rport") else { return nil }
        return .some(p.value)
    }

    /// `host[:port]` as text.
    public var sentBy: String { port.map { "\(host):\($0)" } ?? host.string }

    /// True when the branch starts with the RFC 3261 magic cookie `z9hG4bK` (§8.1.1.7).
    public var hasMagicCookie: Bool { branch?.hasPrefix("z9hG4bK") ?? false }

    /// Parses one Via value. Linear white space is allowed around `/`, `:`, `;` and `=`.
    public static func parse(_ value: ByteString) throws(SIPSyntaxError) -> Via {
        var s = ByteScanner(value)
        s.skipLWS()
        let name = s.token()
        guard !name.isEmpty, s.consumeSeparator(ASCII.slash) else {
            throw SIPSyntaxError("the Via '\(value.string.prefix(40))' does not start with a protocol such as SIP/2.0/UDP")
        }
        let version = s.token()
        guard !version.isEmpty, s.consumeSeparator(ASCII.slash) else {
            throw SIPSyntaxError("the Via '\(value.string.prefix(40))' has no protocol version")
        }
        let transport = s.token()
        guard !transport.isEmpty else { throw SIPSyntaxError("the Via '\(value.string.prefix(40))' has no transport") }
        let beforeHost = s.i
        s.skipLWS()
        guard s.i > beforeHost else { throw SIPSyntaxError("the Via has no white space before its sent-by") }
        let host: ArraySlice<UInt8>
        if s.peek == ASCII.lBracket {
            let hs = s.i
            guard let close = s.b[hs...].firstIndex(of: ASCII.rBracket) else {
                throw SIPSyntaxError("the IPv6 reference in the Via has no closing ']'")
            }
            s.i = close + 1
            host = s.b[hs..<s.i]
            guard host.count > 2, host.dropFirst().dropLast().allSatisfy({ ASCII.isHex($0) || $0 == ASCII.colon || $0 == 0x2E }) else {
                throw SIPSyntaxError("'\(String(decoding: host, as: UTF8.self))' in the Via is not an IPv6 reference")
            }
        } else {
            host = s.take { ASCII.isAlpha($0) || ASCII.isDigit($0) || $0 == 0x2D || $0 == 0x2E }
            guard !host.isEmpty, SIPURI.isHostName(host) else {
                throw SIPSyntaxError("the Via '\(value.string.prefix(40))' has no valid host in its sent-by")
            }
        }
        var port: Int?
        if s.consumeSeparator(ASCII.colon) {
            let digits = s.take(while: ASCII.isDigit)
            guard let v = ByteString(digits).decimalValue, v <= 65535 else {
                throw SIPSyntaxError("the Via port is not a number from 0 to 65535")
            }
            port = Int(v)
        }
        let params = try s.parameters(context: "the Via")
        s.skipLWS()
        guard s.atEnd else {
            throw SIPSyntaxError("unexpected '\(String(decoding: s.b[s.i...].prefix(20), as: UTF8.self))' in the Via after its parameters")
        }
        return Via(protocolName: ByteString(name), protocolVersion: ByteString(version), transport: ByteString(transport),
                   host: ByteString(host), port: port, parameters: params)
    }

    public init(protocolName: ByteString, protocolVersion: ByteString, transport: ByteString, host: ByteString,
                port: Int?, parameters: [SIPParameter]) {
        self.protocolName = protocolName
        self.protocolVersion = protocolVersion
        self.transport = transport
        self.host = host
        self.port = port
        self.parameters = parameters
    }
}
