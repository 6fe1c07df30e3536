extension PacketEndpoint: CustomStringConvertible {
    /// `127.0.0.1:5060` or `[2001:db8::5]:5060`: the address as RFC 5952 writes IPv6 (§4: lower case, no leading
    /// zeros, the longest run of two or more zero groups as `::`, the first of equal runs; §5: `::ffff:192.0.2.1`
    /// for IPv4-mapped addresses), in brackets before a port (§6).
    public var description: String {
        switch address {
        case .v4: return "\(address):\(port)"
        case .v6: return "[\(address)]:\(port)"
        }
    }
}

extension PacketEndpoint.Address: CustomStringConvertible {
    /// The address alone: dotted decimal for IPv4, RFC 5952 text for IPv6.
    public var description: String {
        switch self {
        case .v4(let value):
            return Self.dotted(value)
        case .v6(let bytes):
            return Self.ipv6Text(bytes)
        }
    }

    static func dotted(_ value: UInt32) -> String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }

    /// RFC 5952 §4 text for sixteen bytes; other lengths (which no decoder makes) as plain hex groups.
    static func ipv6Text(_ bytes: [UInt8]) -> String {
        guard bytes.count == 16 else { return bytes.map { String($0, radix: 16) }.joined(separator: ":") }
        var groups: [UInt16] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])) }
        if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xFFFF {
            // §5: IPv4-mapped addresses end in dotted decimal.
            let v4 = UInt32(groups[6]) << 16 | UInt32(groups[7])
            return "::ffff:" + dotted(v4)
        }
        // §4.2.1–4.2.3: the longest run of zero groups, at least two long, the first of equal runs.
        var best: Range<Int>? = nil
        var i = 0
        while i < 8 {
            guard groups[i] == 0 else { i += 1; continue }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i >= 2 && j - i > (best?.count ?? 0) { best = i..<j }
            i = j
        }
        let hex = groups.map { String($0, radix: 16) }
        guard let run = best else { return hex.joined(separator: ":") }
        return hex[..<run.lowerBound].joined(separator: ":") + "::" + hex[run.upperBound...].joined(separator: ":")
    }
}
