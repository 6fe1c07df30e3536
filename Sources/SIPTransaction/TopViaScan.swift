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
        guard let field = message.firstField(.via) else { return nil }
        if !field.isFolded {
            // The field's bytes as they lie, up to a comma that ends the first value: no value or list element made.
            let storage = message.storage
            let found = storage.withUnsafeBufferPointer { scan($0, field.valueRange, commaEnds: true) }
            if let found {
                return TopViaScan(host: ByteString(storage[found.host]), port: found.port,
                                  branch: found.branch.map { ByteString(storage[$0]) })
            }
        }
        let first = HeaderList.first(message.value(of: field))
        if let fast = scan(first.bytes) { return fast }
        guard let via = try? Via.parse(first) else { return nil }
        return TopViaScan(host: via.host, port: via.port, branch: via.branch)
    }

    /// The fast path: nil when the value is not in the plain shape (the caller then uses the full parser).
    static func scan(_ b: ArraySlice<UInt8>) -> TopViaScan? {
        guard let found = b.withUnsafeBufferPointer({ scan($0, 0..<$0.count, commaEnds: false) }) else { return nil }
        let base = b.startIndex
        func slice(_ r: Range<Int>) -> ByteString { ByteString(b[(base + r.lowerBound)..<(base + r.upperBound)]) }
        return TopViaScan(host: slice(found.host), port: found.port, branch: found.branch.map(slice))
    }

    /// Where the parts of the plain shape lie in `b[range]`, or nil when it is not in that shape. With `commaEnds`,
    /// a comma where the value could end ends it (the next list element follows); without, a comma is not plain.
    private static func scan(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, commaEnds: Bool)
        -> (host: Range<Int>, port: Int?, branch: Range<Int>?)? {
        var i = range.lowerBound
        var end = range.upperBound
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
            while i < end, b[i] != ASCII.rBracket {
                if commaEnds, b[i] == ASCII.comma { return nil }  // a list element ends there: not plain
                i += 1
            }
            guard i < end else { return nil }
            i += 1
        } else {
            while i < end, ASCII.isAlpha(b[i]) || ASCII.isDigit(b[i]) || b[i] == 0x2D || b[i] == 0x2E { i += 1 }
            guard i > hostStart, isHostName(b, hostStart..<i) else { return nil }
        }
        let host = hostStart..<i
        if commaEnds, i < end, b[i] == ASCII.comma { end = i }
        var port: Int?
        if i < end, b[i] == ASCII.colon {
            i += 1
            var v = 0, digits = 0
            while i < end, ASCII.isDigit(b[i]), digits < 6 { v = v * 10 + Int(b[i] - 48); i += 1; digits += 1 }
            guard digits > 0, v <= 65535 else { return nil }
            port = v
            if commaEnds, i < end, b[i] == ASCII.comma { end = i }
        }
        // *( ";" token [ "=" value ] )
        var branch: Range<Int>?
        var sawBranch = false
        while i < end {
            guard b[i] == ASCII.semicolon else { return nil }
            i += 1
            let nameStart = i
            while i < end, ASCII.isToken(b[i]) { i += 1 }
            guard i > nameStart else { return nil }
            let name = UnsafeBufferPointer(rebasing: b[nameStart..<i])
            let isBranch = !sawBranch && ASCII.equalsLowercase(name, "branch")
            var value: Range<Int>?
            if i < end, b[i] == ASCII.equals {
                i += 1
                let valueStart = i
                while i < end, ASCII.isToken(b[i]) || b[i] == ASCII.colon || b[i] == ASCII.lBracket || b[i] == ASCII.rBracket {
                    i += 1
                }
                guard i > valueStart else { return nil }
                value = valueStart..<i
            }
            if isBranch {
                sawBranch = true
                branch = value  // `;branch` without a value has none, as in `Via.branch`
            }
            if commaEnds, i < end, b[i] == ASCII.comma { end = i }
        }
        return (host, port, branch)
    }

    /// RFC 3261 §25.1 `hostname` / `IPv4address` as `SIPURI` checks it: dot-separated labels, none empty or
    /// starting or ending with '-'; one final '.' allowed.
    private static func isHostName(_ h: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var labelStart = r.lowerBound
        var idx = r.lowerBound
        while idx <= r.upperBound {
            if idx == r.upperBound || h[idx] == 0x2E {
                if labelStart == idx {
                    guard idx == r.upperBound, labelStart > r.lowerBound else { return false }
                } else if h[labelStart] == 0x2D || h[idx - 1] == 0x2D {
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
