import SIPCore

/// Tells SIP from other payloads by content, never by port (RFC 3261 §7.1, §7.2): a payload is SIP when its first
/// line is a request line (`METHOD SP Request-URI SP SIP/2.0`) or a status line (`SIP/2.0 SP 3DIGIT SP …`).
public enum SIPRecognition {
    /// The longest first line looked at: longer ones are not taken for SIP.
    static let maxStartLine = 4096

    /// True when `bytes`, from `offset`, begin with a SIP start line ended by CRLF. With `knownMethod`, a request
    /// line must name a method of `SIPMethod.known`.
    public static func startsWithStartLine(_ bytes: [UInt8], at offset: Int = 0, knownMethod: Bool = false) -> Bool {
        guard offset < bytes.count else { return false }
        let limit = min(bytes.count, offset + maxStartLine)
        var end = offset
        while end + 1 < limit, !(bytes[end] == ASCII.cr && bytes[end + 1] == ASCII.lf) { end += 1 }
        guard end + 1 < limit else { return false }
        return isStartLine(bytes[offset..<end], knownMethod: knownMethod)
    }

    /// True for a request line or a status line, without its CRLF.
    static func isStartLine(_ line: ArraySlice<UInt8>, knownMethod: Bool = false) -> Bool {
        let version = Array("SIP/2.0".utf8)
        if line.starts(with: version + [ASCII.sp]) {
            let code = line.dropFirst(version.count + 1).prefix(3)
            return code.count == 3 && code.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        // METHOD SP Request-URI SP SIP/2.0: the method a token (RFC 3261 §25.1), the version last.
        guard line.count > version.count + 4, line.suffix(version.count).elementsEqual(version),
              line[line.endIndex - version.count - 1] == ASCII.sp,
              let space = line.firstIndex(of: ASCII.sp), space > line.startIndex,
              line[line.startIndex..<space].allSatisfy(isTokenCharacter) else { return false }
        if knownMethod, !SIPMethod.known.contains(where: { line[line.startIndex..<space].elementsEqual($0.rawValue.utf8) }) {
            return false
        }
        return space < line.endIndex - version.count - 1
    }

    /// Where the next SIP start line begins at or after `offset` (at a line start), for a TCP stream picked up
    /// mid-way; nil when none is in `bytes`.
    ///
    /// `atLineStart` says whether `offset` is known to start a line. After a gap it is not: the bytes may begin
    /// inside a request line, whose tail ("VITE sip:… SIP/2.0" of an INVITE) has a request line's shape. There a
    /// request line is taken only if it names a known method (a PRACK cut to "ACK sip:…" is still taken: rare
    /// enough), a status line always (no tail of one has its shape).
    public static func nextStartLine(in bytes: [UInt8], from offset: Int = 0, atLineStart: Bool = true) -> Int? {
        if offset < bytes.count, startsWithStartLine(bytes, at: offset, knownMethod: !atLineStart) { return offset }
        var i = offset + 1
        while i < bytes.count {
            if i >= 2 && bytes[i - 2] == ASCII.cr && bytes[i - 1] == ASCII.lf, startsWithStartLine(bytes, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// True for a payload of only CR and LF: an RFC 5626 §3.5.1 keep-alive (CRLFCRLF ping, CRLF pong).
    public static func isKeepAlive(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty && bytes.count <= 4 && bytes.allSatisfy { $0 == ASCII.cr || $0 == ASCII.lf }
    }

    static func isTokenCharacter(_ b: UInt8) -> Bool {
        switch b {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39: return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "%"), UInt8(ascii: "*"),
             UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "`"), UInt8(ascii: "'"), UInt8(ascii: "~"): return true
        default: return false
        }
    }
}
