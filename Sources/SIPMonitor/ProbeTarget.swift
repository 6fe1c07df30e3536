import SIPCore

/// A SIP server to health-check, named by a SIP URI (`sip:proxy.example.com`, `sip:10.0.0.5:5060`,
/// `sip:[::1]:5070;transport=udp`). A bare `host[:port]` is read as `sip:host[:port]`.
public struct ProbeTarget: Sendable, Hashable, CustomStringConvertible {
    /// The URI as the user wrote it (with `sip:` added when missing): the label in reports and metrics.
    public let uri: String
    /// Host name or IP literal, without IPv6 brackets.
    public let host: String
    /// The explicit port, if the URI has one (RFC 3263 §4.2: without one, SRV may apply to a name).
    public let port: Int?
    public let transport: ProbeTransport
    /// Whether `host` is an IP address literal (no DNS then).
    public let isNumeric: Bool

    public var description: String { uri }

    /// The host as it goes into a SIP URI: IPv6 in brackets.
    public var uriHost: String { host.contains(":") ? "[\(host)]" : host }

    public init(parsing text: String) throws(PingArgumentError) {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw PingArgumentError("a target is empty") }
        let lower = trimmed.lowercased()
        let withScheme = lower.hasPrefix("sip:") || lower.hasPrefix("sips:") ? trimmed : "sip:" + trimmed
        let uri: SIPURI
        do {
            uri = try SIPURI.parse(ByteString(withScheme))
        } catch {
            throw PingArgumentError("'\(text)' is not a SIP URI: \(error)")
        }
        guard let hostBytes = uri.host, !hostBytes.isEmpty else { throw PingArgumentError("'\(text)' has no host") }
        var host = hostBytes.string
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let port = uri.port, !(1...65_535).contains(port) {
            throw PingArgumentError("'\(text)': port \(port) is out of range (1-65535)")
        }
        var transport: ProbeTransport = uri.isSIPS ? .tls : .udp
        if let t = uri.parameter("transport") {
            guard let known = ProbeTransport(rawValue: t.string.lowercased()) else {
                throw PingArgumentError("'\(text)': unknown transport '\(t)' (udp, tcp or tls)")
            }
            transport = known
        }
        self.uri = withScheme
        self.host = host
        self.port = uri.port
        self.transport = transport
        self.isNumeric = IPLiteral.isIPv4(host) || host.contains(":")
    }

    /// The same target with the transport forced (`--transport`).
    public func with(transport: ProbeTransport) -> ProbeTarget {
        ProbeTarget(uri: uri, host: host, port: port, transport: transport, isNumeric: isNumeric)
    }

    init(uri: String, host: String, port: Int?, transport: ProbeTransport, isNumeric: Bool) {
        self.uri = uri
        self.host = host
        self.port = port
        self.transport = transport
        self.isNumeric = isNumeric
    }
}

/// The transport a probe uses. Only UDP is implemented so far.
public enum ProbeTransport: String, Sendable, Hashable, CaseIterable, Codable {
    case udp, tcp, tls

    /// The SRV service label of RFC 3263 §4.1 (`_sip._udp`).
    public var srvPrefix: String {
        switch self {
        case .udp: "_sip._udp."
        case .tcp: "_sip._tcp."
        case .tls: "_sips._tcp."
        }
    }
}

enum IPLiteral {
    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCII) && UInt8(p) != nil }
    }
}
