import SIPCore

/// The parts of the top Via that transaction matching needs — branch and sent-by — read without allocating.
///
/// `SIPMessage.topVia` builds a full `Via` (with a parameter array); matching runs on every message, so this scans
/// the common shape `SIP/2.0/UDP host[:port];name[=value]…` in place. Anything else (white space around
/// separators, quoted parameter values, …) falls back to `topVia`, so results never differ from the full parser
/// on messages it accepts (tested against it).
struct TopViaScan: Equatable {
    var host: ByteString
    var port: Int?
    var branch: ByteString?

    static func of(_ message: SIPMessage) -> TopViaScan? {
        guard let value = message.firstValue(.via) else { return nil }
        let first = HeaderList.first(value)
        if let fast = scan(first.bytes) { return fast }
        guard let via = try? Via.parse(first) else { return nil }
        return TopViaScan(host: via.host, port: via.port, branch: via.branch)
    }

    /// The fast path: nil when the value is not in the plain shape (the caller then uses the full parser).
    static func scan(_ b: ArraySlice<UInt8>) -> TopViaScan? {
        var i = b.startIndex
        let end = b.endIndex
        while i < end, ASCII.isLWS(b[i]) { i += 1 }
        // sent-protocol: token "/" token "/" token, no white space inside.
        for part in 0..<3 {
            let s = i
            while i < end, ASCII.isToken(b[i]) { i += 1 }
            guard i > s else { return nil }
            if part < 2 {
                guard i < end, b[i] == ASCII.slash else { return nil }
                i += 1
            }
        }
        let beforeLWS = i
        while i < end, ASCII.isWSP(b[i]) { i += 1 }
        guard i > beforeLWS, i < end else { return nil }
        // sent-by: host [":" port]
        let hostStart = i
        if b[i] == ASCII.lBracket {
            while i < end, b[i] != ASCII.rBracket { i += 1 }
            guard i < end else { return nil }
            i += 1
        } else {
            while i < end, ASCII.isAlpha(b[i]) || ASCII.isDigit(b[i]) || b[i] == 0x2D || b[i] == 0x2E { i += 1 }
            guard i > hostStart, isHostName(b[hostStart..<i]) else { return nil }
        }
        let host = b[hostStart..<i]
        var port: Int?
        if i < end, b[i] == ASCII.colon {
            i += 1
            var v = 0, digits = 0
            while i < end, ASCII.isDigit(b[i]), digits < 6 { v = v * 10 + Int(b[i] - 48); i += 1; digits += 1 }
            guard digits > 0, v <= 65535 else { return nil }
            port = v
        }
        // *( ";" token [ "=" value ] )
        var branch: ByteString?
        var sawBranch = false
        while i < end {
            guard b[i] == ASCII.semicolon else { return nil }
            i += 1
            let nameStart = i
            while i < end, ASCII.isToken(b[i]) { i += 1 }
            guard i > nameStart else { return nil }
            let name = ByteString(b[nameStart..<i])
            var value: ArraySlice<UInt8>?
            if i < end, b[i] == ASCII.equals {
                i += 1
                let valueStart = i
                while i < end, ASCII.isToken(b[i]) || b[i] == ASCII.colon || b[i] == ASCII.lBracket || b[i] == ASCII.rBracket {
                    i += 1
                }
                guard i > valueStart else { return nil }
                value = b[valueStart..<i]
            }
            if !sawBranch, name.equalsIgnoringCase("branch") {
                sawBranch = true
                branch = value.map(ByteString.init)  // `;branch` without a value has none, as in `Via.branch`
            }
        }
        return TopViaScan(host: ByteString(host), port: port, branch: branch)
    }

    /// RFC 3261 §25.1 `hostname` / `IPv4address` as `SIPURI` checks it: dot-separated labels, none empty or
    /// starting or ending with '-'; one final '.' allowed.
    private static func isHostName(_ h: ArraySlice<UInt8>) -> Bool {
        var labelStart = h.startIndex
        var idx = h.startIndex
        while idx <= h.endIndex {
            if idx == h.endIndex || h[idx] == 0x2E {
                let label = h[labelStart..<idx]
                if label.isEmpty {
                    guard idx == h.endIndex, labelStart > h.startIndex else { return false }
                } else if label.first == 0x2D || label.last == 0x2D {
                    return false
                }
                labelStart = idx + 1
            }
            idx += 1
        }
        return true
    }
}

extension SIPMessage {
    /// The top Via's branch, read as transaction matching reads it (`TopViaScan`): without building a `Via`.
    public var topViaBranch: ByteString? { TopViaScan.of(self)?.branch }
}
