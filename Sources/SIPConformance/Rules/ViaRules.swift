import SIPCore

/// Rules for the Via header (RFC 3261 §8.1.1.7, §18.2.2, §20.42).
enum ViaRules {
    /// RFC 3261 §20.42, §25.1: `sent-protocol LWS sent-by *( SEMI via-params )`.
    static let viaSyntax = Rule(
        "rfc3261.20.42.via-syntax", .error, "RFC 3261 §20.42, §25.1",
        "Each Via value is sent-protocol, sent-by and parameters (e.g. 'SIP/2.0/UDP host:5060;branch=z9hG4bK…').")
    /// RFC 3261 §20.42, §7.1: the Via sent-protocol is SIP/2.0.
    static let viaProtocol = Rule(
        "rfc3261.20.42.via-sent-protocol", .error, "RFC 3261 §20.42",
        "The Via sent-protocol is SIP/2.0.")
    /// RFC 3261 §8.1.1.7: the branch starts with `z9hG4bK` and is unique; without it RFC 2543 matching applies.
    static let branchCookie = Rule(
        "rfc3261.8.1.1.7.branch-cookie", .warning, "RFC 3261 §8.1.1.7",
        "Each Via has a branch starting with the magic cookie z9hG4bK and more after it; otherwise RFC 2543 transaction matching applies.")
    /// RFC 3261 §18.2.2, RFC 4475 §3.3.10: a response must not be sent to a broadcast address.
    static let broadcast = Rule(
        "rfc4475.3.3.10.via-broadcast", .warning, "RFC 4475 §3.3.10, RFC 3261 §18.2.2",
        "No Via sent-by, received or maddr is the broadcast address 255.255.255.255.")

    static let all: [Rule] = [viaSyntax, viaProtocol, branchCookie, broadcast]

    static let broadcastAddress: ByteString = "255.255.255.255"

    static func check(_ m: SIPMessage, into out: inout FindingList) {
        var reported: Set<Int32> = []  // one syntax finding per Via line, however many bad values it holds
        var first = true  // the message's first Via value, which the exchange rules read too
        for f in m.eachField(.via) {
            // A copied line is skipped before its value is read (`CopiedFields`).
            if out.copies.contains(f) {
                first = false
                continue
            }
            for v in HeaderList.Elements(m.value(of: f)) {
                check(v, f, isFirst: first, reported: &reported, into: &out)
                first = false
            }
        }
    }

    /// One Via value `v` of field `f`.
    static func check(_ v: ByteString, _ f: SIPHeaderField, isFirst first: Bool, reported: inout Set<Int32>,
                      into out: inout FindingList) {
        let via: Via
        do { via = try Via.parse(v) } catch {
            if first { out.firstVia = (f, nil) }
            if reported.insert(f.line).inserted { out.add(viaSyntax, f, error.message) }
            return
        }
        if first { out.firstVia = (f, via) }
        if !via.protocolName.equalsLowercase("sip") || !via.protocolVersion.equalsLowercase("2.0") {
            out.add(viaProtocol, f, "the Via sent-protocol is \(via.protocolName)/\(via.protocolVersion), not SIP/2.0")
        }
        switch via.branch {
        case nil:
            out.add(branchCookie, f, "the Via '\(via.sentBy)' has no branch parameter (an RFC 2543 element)")
        case let b? where b.count == 7 && b.hasPrefix(ascii: "z9hG4bK"):
            out.add(branchCookie, f, "the Via branch is only the magic cookie z9hG4bK, with no unique part")
        case let b? where !b.hasPrefix(ascii: "z9hG4bK"):
            out.add(branchCookie, f, "the Via branch '\(b)' lacks the magic cookie z9hG4bK (an RFC 2543 element)")
        default: break
        }
        // sent-by, received and maddr can hold the broadcast address only if the value holds its digits.
        guard v.contains(broadcastAddress) else { return }
        for (what, value) in [("sent-by", via.host), ("received", via.received), ("maddr", via.maddr)] {
            if let value, value == broadcastAddress {
                out.add(broadcast, f, "the Via \(what) is the broadcast address \(broadcastAddress)")
            }
        }
    }
}
