/// One Via header value (RFC 3261 §20.42): `SIP/2.0/UDP host:port;branch=…;received=…;rport`.
public struct Via: Sendable, Hashable {
    public let protocolName: ByteString
    public let protocolVersion: ByteString
    public let transport: ByteString
    public let host: ByteString
    public let port: Int?
    /// The transaction ID of RFC 3261 §17.1.1.3 / §8.1.1.7: the value of the first `branch` parameter.
    ///
    /// Found while the parameters are validated, so reading it builds no parameter array.
    public let branch: ByteString?

    /// The header parameters in order. A parsed Via keeps their bytes and decodes them here, on each call.
    public var parameters: [SIPParameter] { storedParameters ?? ByteScanner.decodeParameters(parameterBytes) }

    /// The parameters given to `init`, or nil for a parsed Via, whose parameters are `parameterBytes`.
    @usableFromInline let storedParameters: [SIPParameter]?
    /// `*( SEMI via-params )` as written, already validated by `parse`.
    @usableFromInline let parameterBytes: ArraySlice<UInt8>

    public var received: ByteString? { parameter(named: "received")?.value }
    public var maddr: ByteString? { parameter(named: "maddr")?.value }
    public var ttl: ByteString? { parameter(named: "ttl")?.value }
    /// The `rport` parameter (RFC 3581): `.some(nil)` when present without a value.
    public var rport: ByteString?? {
        guard let p = parameter(named: "rport") else { return nil }
        return .some(p.value)
    }

    /// The first parameter with this name (case-insensitive), found without building the parameter array.
    public func parameter(named name: String) -> SIPParameter? {
        if let storedParameters { return storedParameters.first(named: name) }
        return ByteScanner.firstParameter(named: name, in: parameterBytes)
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
        let paramStart = s.i
        var branch: ArraySlice<UInt8>?, sawBranch = false
        try s.scanParameters(context: "the Via") { name, value in
            if !sawBranch, ByteScanner.equalsLower(name, "branch") { sawBranch = true; branch = value }
        }
        let params = s.b[paramStart..<s.i]
        s.skipLWS()
        guard s.atEnd else {
            throw SIPSyntaxError("unexpected '\(String(decoding: s.b[s.i...].prefix(20), as: UTF8.self))' in the Via after its parameters")
        }
        return Via(protocolName: ByteString(name), protocolVersion: ByteString(version), transport: ByteString(transport),
                   host: ByteString(host), port: port, branch: branch.map(ByteString.init), parameterBytes: params)
    }

    public init(protocolName: ByteString, protocolVersion: ByteString, transport: ByteString, host: ByteString,
                port: Int?, parameters: [SIPParameter]) {
        self.protocolName = protocolName
        self.protocolVersion = protocolVersion
        self.transport = transport
        self.host = host
        self.port = port
        self.branch = parameters.first(named: "branch")?.value
        self.storedParameters = parameters
        self.parameterBytes = []
    }

    init(protocolName: ByteString, protocolVersion: ByteString, transport: ByteString, host: ByteString,
         port: Int?, branch: ByteString?, parameterBytes: ArraySlice<UInt8>) {
        self.protocolName = protocolName
        self.protocolVersion = protocolVersion
        self.transport = transport
        self.host = host
        self.port = port
        self.branch = branch
        self.storedParameters = nil
        self.parameterBytes = parameterBytes
    }

    /// Equal when every part and the decoded parameters are equal, however the parameters were spaced.
    public static func == (a: Via, b: Via) -> Bool {
        a.protocolName == b.protocolName && a.protocolVersion == b.protocolVersion && a.transport == b.transport
            && a.host == b.host && a.port == b.port && a.parameters == b.parameters
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(protocolName)
        hasher.combine(protocolVersion)
        hasher.combine(transport)
        hasher.combine(host)
        hasher.combine(port)
        hasher.combine(parameters)
    }
}
