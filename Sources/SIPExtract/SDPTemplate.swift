/// A captured SDP body made into a template (RFC 4566): what is per call or per host becomes a variable the sending
/// party fills — the `o=` session id (`${call_number}`), the connection and origin addresses (`${local_ip}`), the
/// media ports (an even port from `${random}`); everything else is kept as it was.
enum SDPTemplate {
    static func make(_ sdp: String) -> String {
        let escaped = FlowYAML.escapingVariables(sdp)
        var lines = escaped.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (i, line) in lines.enumerated() {
            var fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            if line.hasPrefix("o="), fields.count >= 6 {  // o=user sess-id sess-version IN IP4 address
                fields[1] = "${call_number}"
                fields[5] = "${local_ip}"
            } else if line.hasPrefix("c="), fields.count >= 3 {  // c=IN IP4 address[/ttl]
                let address = String(fields[2].split(separator: "/").first ?? "")
                fields[2] = "${local_ip}" + fields[2].dropFirst(address.count)
            } else if line.hasPrefix("m="), fields.count >= 2, Int(fields[1]) != nil, fields[1] != "0" {
                fields[1] = "${random(1000,3276)}0"  // 10000–32760, even (RFC 3550 §11)
            } else if line.hasPrefix("a=rtcp:"), fields.count >= 4 {  // a=rtcp:port IN IP4 address
                fields[3] = "${local_ip}"
            }
            lines[i] = fields.joined(separator: " ")
        }
        return lines.joined(separator: "\r\n")
    }
}
