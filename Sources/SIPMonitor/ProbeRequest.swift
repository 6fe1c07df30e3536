import SIPCore

/// What every probe of a check sends: method, URIs, headers. Each probe gets its own branch, Call-ID and From tag.
public struct ProbeRequestTemplate: Sendable {
    public var method: SIPMethod
    /// From name-addr; default `<sip:sipflow@LOCAL>` with the probe's local address.
    public var from: String?
    /// To name-addr; default the Request-URI in angle brackets.
    public var to: String?
    /// Headers added to, or replacing same-named defaults of, the request (`--header 'User-Agent: lb-check'`).
    public var headers: [(String, String)]
    public var userAgent: String

    public init(method: SIPMethod = .options, from: String? = nil, to: String? = nil, headers: [(String, String)] = [],
                userAgent: String = "sipflow-ping") {
        self.method = method
        self.from = from
        self.to = to
        self.headers = headers
        self.userAgent = userAgent
    }

    /// The identifiers that make one probe unique (RFC 3261 §8.1.1.4, §8.1.1.7).
    public struct Identity: Sendable, Hashable {
        public let branch: String
        public let callID: String
        public let fromTag: String

        public init(branch: String, callID: String, fromTag: String) {
            self.branch = branch
            self.callID = callID
            self.fromTag = fromTag
        }

        /// Fresh random identifiers; the branch carries the RFC 3261 magic cookie.
        public static func random() -> Identity {
            Identity(branch: "z9hG4bK-sfp-" + hex(8), callID: hex(12) + "@sipflow-ping", fromTag: hex(4))
        }

        static func hex(_ bytes: Int) -> String {
            var g = SystemRandomNumberGenerator()
            return (0..<bytes).map { _ in
                let b = UInt8.random(in: 0...255, using: &g)
                return String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16)
            }.joined()
        }
    }

    /// The request for one probe of `target`, sent from `localHost:localPort`. A REGISTER carries no Contact: it is
    /// a query for the bindings (RFC 3261 §10.2.3), so a health check never adds or removes one.
    public func request(for target: ProbeTarget, localHost: String, localPort: Int, identity: Identity,
                        cseq: UInt32 = 1) throws(SIPParseError) -> SIPMessage {
        let requestURI = requestURI(for: target)
        let local = localHost.contains(":") ? "[\(localHost)]:\(localPort)" : "\(localHost):\(localPort)"
        let transport = target.transport.rawValue.uppercased()
        var fromValue = from ?? "<sip:sipflow@\(local)>"
        if !fromValue.lowercased().contains(";tag=") { fromValue += ";tag=\(identity.fromTag)" }
        var h: [(String, String)] = [
            ("Via", "SIP/2.0/\(transport) \(local);branch=\(identity.branch);rport"),
            ("Max-Forwards", "70"),
            ("From", fromValue),
            ("To", to ?? "<\(requestURI)>"),
            ("Call-ID", identity.callID),
            ("CSeq", "\(cseq) \(method.rawValue)"),
        ]
        h.append(("User-Agent", userAgent))
        if method == .options { h.append(("Accept", "application/sdp")) }
        for (name, value) in headers {
            let kind = HeaderName.classify(name)
            if let i = h.firstIndex(where: { HeaderName.classify($0.0) == kind && (kind != .other || $0.0.lowercased() == name.lowercased()) }) {
                h[i] = (name, value)
            } else {
                h.append((name, value))
            }
        }
        return try SIPMessage.request(method, uri: requestURI, headers: h)
    }

    /// The Request-URI: the target URI without its URI headers; for REGISTER the domain only (RFC 3261 §10.2).
    public func requestURI(for target: ProbeTarget) -> String {
        var uri = target.uri
        if let q = uri.firstIndex(of: "?") { uri = String(uri[..<q]) }
        if method == .register {
            let scheme = uri.lowercased().hasPrefix("sips:") ? "sips" : "sip"
            let port = target.port.map { ":\($0)" } ?? ""
            return "\(scheme):\(target.uriHost)\(port)"
        }
        return uri
    }
}
