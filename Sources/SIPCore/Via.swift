/// One Via header value (RFC 3261 §20.42): `SIP/2.0/UDP host:port;branch=…;received=…;rport`.
public struct Via: Sendable, Hashable {
    public var protocolName: ByteString { ByteString(source[nameRange]) }
    public var protocolVersion: ByteString { ByteString(source[versionRange]) }
    public var transport: ByteString { ByteString(source[transportRange]) }
    public var host: ByteString { ByteString(source[hostRange]) }
    public let port: Int?
    /// The transaction ID of RFC 3261 §17.1.1.3 / §8.1.1.7: the value of the first `branch` parameter.
    ///
    /// Found while the parameters are validated, so reading it builds no parameter array.
    public var branch: ByteString? { branchRange.map { ByteString(source[$0]) } }

    /// The header parameters in order. A parsed Via keeps their bytes and decodes them here, on each call.
    public var parameters: [SIPParameter] {
        storedParameters ?? ByteScanner.decodeParameters(source[parameterRange])
    }

    /// The bytes every part is a range of: the parsed value, or for a Via built by `init`, its parts laid end to
    /// end. One reference for the whole value, so making, copying and dropping a Via counts one reference, not
    /// one for each part.
    @usableFromInline let source: ArraySlice<UInt8>
    @usableFromInline let nameRange: Range<Int>, versionRange: Range<Int>, transportRange: Range<Int>
    @usableFromInline let hostRange: Range<Int>, parameterRange: Range<Int>
    @usableFromInline let branchRange: Range<Int>?
    /// The parameters given to `init`, or nil for a parsed Via, whose parameters are `source[parameterRange]`
    /// (`*( SEMI via-params )` as written, already validated by `parse`).
    @usableFromInline let storedParameters: [SIPParameter]?

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
        return ByteScanner.firstParameter(named: name, in: source[parameterRange])
    }

    /// `host[:port]` as text.
    public var sentBy: String { port.map { "\(host):\($0)" } ?? host.string }

    /// True when the branch starts with the RFC 3261 magic cookie `z9hG4bK` (§8.1.1.7).
    public var hasMagicCookie: Bool { branch?.hasPrefix("z9hG4bK") ?? false }

    /// Parses one Via value. Linear white space is allowed around `/`, `:`, `;` and `=`.
    public static func parse(_ value: ByteString) throws(SIPSyntaxError) -> Via {
        var s = ByteScanner(value)
        s.skipLWS()
        // Ranges rather than slices throughout: each slice made would retain the message storage.
        let name = s.skip(while: ASCII.isToken)
        guard !name.isEmpty, s.consumeSeparator(ASCII.slash) else {
            throw SIPSyntaxError("the Via '\(value.string.prefix(40))' does not start with a protocol such as SIP/2.0/UDP")
        }
        let version = s.skip(while: ASCII.isToken)
        guard !version.isEmpty, s.consumeSeparator(ASCII.slash) else {
            throw SIPSyntaxError("the Via '\(value.string.prefix(40))' has no protocol version")
        }
        let transport = s.skip(while: ASCII.isToken)
        guard !transport.isEmpty else { throw SIPSyntaxError("the Via '\(value.string.prefix(40))' has no transport") }
        let beforeHost = s.i
        s.skipLWS()
        guard s.i > beforeHost else { throw SIPSyntaxError("the Via has no white space before its sent-by") }
        let host: Range<Int>
        if s.peek == ASCII.lBracket {
            let hs = s.i
            guard let close = s.b[hs...].firstIndex(of: ASCII.rBracket) else {
                throw SIPSyntaxError("the IPv6 reference in the Via has no closing ']'")
            }
            s.i = close + 1
            host = hs..<s.i
            let inner = value.bytes[(hs + 1)..<(s.i - 1)]
            guard !inner.isEmpty, inner.allSatisfy({ ASCII.isHex($0) || $0 == ASCII.colon || $0 == 0x2E }) else {
                throw SIPSyntaxError("'\(String(decoding: value.bytes[host], as: UTF8.self))' in the Via is not an IPv6 reference")
            }
        } else {
            host = s.skip(while: ASCII.isHostChar)
            guard !host.isEmpty, SIPURI.isHostName(value.bytes[host]) else {
                throw SIPSyntaxError("the Via '\(value.string.prefix(40))' has no valid host in its sent-by")
            }
        }
        var port: Int?
        if s.consumeSeparator(ASCII.colon) {
            let digits = s.skip(while: ASCII.isDigit)
            guard let v = ByteScanner.decimalValue(value.bytes, digits), v <= 65535 else {
                throw SIPSyntaxError("the Via port is not a number from 0 to 65535")
            }
            port = Int(v)
        }
        let paramStart = s.i
        var branch: Range<Int>?, sawBranch = false
        try s.scanParameters(context: "the Via") { name, valueRange in
            if !sawBranch, ByteScanner.equalsLower(value.bytes, name, "branch") { sawBranch = true; branch = valueRange }
        }
        let params = paramStart..<s.i
        s.skipLWS()
        guard s.atEnd else {
            throw SIPSyntaxError("unexpected '\(String(decoding: s.b[s.i...].prefix(20), as: UTF8.self))' in the Via after its parameters")
        }
        return Via(source: value.bytes, nameRange: name, versionRange: version,
                   transportRange: transport, hostRange: host, port: port, branchRange: branch,
                   parameterRange: params, storedParameters: nil)
    }

    public init(protocolName: ByteString, protocolVersion: ByteString, transport: ByteString, host: ByteString,
                port: Int?, parameters: [SIPParameter]) {
        var bytes: [UInt8] = []
        func append(_ b: ByteString) -> Range<Int> {
            let start = bytes.count
            bytes.append(contentsOf: b.bytes)
            return start..<bytes.count
        }
        let name = append(protocolName), version = append(protocolVersion), transport = append(transport)
        let host = append(host)
        let branch = parameters.first(named: "branch")?.value.map(append)
        self.init(source: bytes[...], nameRange: name, versionRange: version, transportRange: transport,
                  hostRange: host, port: port, branchRange: branch, parameterRange: bytes.count..<bytes.count,
                  storedParameters: parameters)
    }

    init(source: ArraySlice<UInt8>, nameRange: Range<Int>, versionRange: Range<Int>, transportRange: Range<Int>,
         hostRange: Range<Int>, port: Int?, branchRange: Range<Int>?, parameterRange: Range<Int>,
         storedParameters: [SIPParameter]?) {
        self.source = source
        self.nameRange = nameRange
        self.versionRange = versionRange
        self.transportRange = transportRange
        self.hostRange = hostRange
        self.port = port
        self.branchRange = branchRange
        self.parameterRange = parameterRange
        self.storedParameters = storedParameters
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
