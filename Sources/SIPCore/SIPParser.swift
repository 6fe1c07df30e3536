#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses SIP messages from bytes (RFC 3261 §7), tolerating what RFC 4475 says a robust parser should, and
/// recording every tolerated defect as a `SIPParseIssue`.
///
/// One pass over the header section indexes each line; header values are not decoded until asked for.
public struct SIPParser: Sendable {
    public var limits: SIPParserLimits

    public init(limits: SIPParserLimits = .default) {
        self.limits = limits
    }

    /// Parses the first message in `bytes`, framed as a datagram: the body is what Content-Length says, or the rest
    /// of the datagram when Content-Length is absent (RFC 3261 §18.3); octets beyond it are reported, not fatal.
    public func parse(_ bytes: [UInt8]) throws(SIPParseError) -> SIPMessage {
        guard bytes.count <= limits.maxMessageSize else {
            throw SIPParseError(.messageTooLarge, line: 1,
                                "message is \(bytes.count) octets, over the limit of \(limits.maxMessageSize)")
        }
        let result: Result<SIPMessage, SIPParseError> = bytes.withUnsafeBufferPointer { p in
            var state = State(p: p, limits: limits)
            do {
                let parts = try state.run()
                return .success(SIPMessage(storage: bytes, messageRange: parts.messageRange, kind: parts.kind,
                                           part1: parts.part1, part2: parts.part2, headers: state.headers,
                                           bodyRange: parts.bodyRange, issues: state.issues))
            } catch let e as SIPParseError {
                return .failure(e)
            } catch {
                return .failure(SIPParseError(.startLine, line: 1, "\(error)"))
            }
        }
        return try result.get()
    }

    struct Parts {
        var messageRange: Range<Int>
        var kind: SIPMessage.Kind
        var part1: Range<Int>
        var part2: Range<Int>
        var bodyRange: Range<Int>
    }

    struct State {
        let p: UnsafeBufferPointer<UInt8>
        let limits: SIPParserLimits
        var headers: [SIPHeaderField] = []
        var issues: [SIPParseIssue] = []
        var line = 0
        var sawBareLF = false

        init(p: UnsafeBufferPointer<UInt8>, limits: SIPParserLimits) {
            self.p = p
            self.limits = limits
            // One allocation for a typical message instead of five as the array doubles from 1 to 16.
            headers.reserveCapacity(min(limits.maxHeaderCount, 24))
        }

        /// The next line from `start`: its content end (before CRLF) and the start of the following line.
        mutating func nextLine(from start: Int) throws(SIPParseError) -> (end: Int, next: Int)? {
            guard start < p.count else { return nil }
            let base = p.baseAddress! + start
            let remaining = p.count - start
            line += 1
            guard let hit = memchr(base, Int32(ASCII.lf), remaining) else {
                if remaining > limits.maxLineLength { throw lineTooLong(remaining) }
                return (p.count, p.count)
            }
            let lf = start + (UnsafeRawPointer(hit) - UnsafeRawPointer(base))
            var end = lf
            if end > start, p[end - 1] == ASCII.cr {
                end -= 1
            } else if !sawBareLF {
                sawBareLF = true
                issues.append(SIPParseIssue(.bareLineFeed, line: line, "line ends with LF instead of CRLF"))
            }
            if end - start > limits.maxLineLength { throw lineTooLong(end - start) }
            return (end, lf + 1)
        }

        func lineTooLong(_ n: Int) -> SIPParseError {
            SIPParseError(.lineTooLong, line: line, "line is \(n) octets, over the limit of \(limits.maxLineLength)")
        }

        mutating func run() throws(SIPParseError) -> Parts {
            // RFC 3261 §7.5: CRLFs before the start line are ignored (keep-alives, stray line ends).
            var start = 0
            while start < p.count, p[start] == ASCII.cr || p[start] == ASCII.lf { start += 1 }
            guard start < p.count else { throw SIPParseError(.empty, line: 1, "no message: the input is empty") }
            guard let first = try nextLine(from: start) else {
                throw SIPParseError(.empty, line: 1, "no message: the input is empty")
            }
            var parts = try parseStartLine(start, first.end)
            var cursor = first.next
            var contentLength: Int?
            var clSeen = false
            var headerEnd = p.count
            var terminated = false
            var inRejectedLine = false  // continuation lines of a rejected header line are dropped with it

            while let l = try nextLine(from: cursor) {
                let lineStart = cursor
                cursor = l.next
                if l.end == lineStart {  // empty line: end of headers
                    headerEnd = l.next
                    terminated = true
                    break
                }
                let b0 = p[lineStart]
                if b0 == ASCII.sp || b0 == ASCII.ht {
                    if !inRejectedLine { try fold(lineStart, l.end) }
                    continue
                }
                guard let field = headerField(lineStart, l.end) else { inRejectedLine = true; continue }
                inRejectedLine = false
                if headers.count >= limits.maxHeaderCount {
                    throw SIPParseError(.tooManyHeaders, line: line,
                                        "more than \(limits.maxHeaderCount) header fields")
                }
                headers.append(field)
                if field.name == .contentLength, !clSeen {
                    clSeen = true
                    contentLength = -1  // decided once folding is known; see below
                }
            }
            if !terminated {
                issues.append(SIPParseIssue(.unterminatedHeaderSection, line: line,
                                            "the header section does not end with an empty line"))
                headerEnd = p.count
            }
            if clSeen, let i = headers.firstIndex(where: { $0.name == .contentLength }) {
                contentLength = decodeContentLength(headers[i])
            }
            // Body framing (RFC 3261 §18.3).
            let available = p.count - headerEnd
            var bodyEnd = p.count
            if let cl = contentLength, cl >= 0 {
                if cl > available {
                    issues.append(SIPParseIssue(.contentLengthExceedsBody, line: line,
                        "Content-Length is \(cl) but only \(available) octets follow the header section"))
                } else {
                    bodyEnd = headerEnd + cl
                    if cl < available {
                        issues.append(SIPParseIssue(.trailingOctets, line: line,
                            "\(available - cl) octets follow the \(cl)-octet body that Content-Length declares"))
                    }
                }
            }
            parts.bodyRange = headerEnd..<bodyEnd
            parts.messageRange = start..<bodyEnd
            return parts
        }

        /// The Content-Length value, or -1 (and an issue) when it is not a decimal number.
        mutating func decodeContentLength(_ f: SIPHeaderField) -> Int {
            var s = f.valueRange.lowerBound, e = f.valueRange.upperBound
            while s < e, ASCII.isLWS(p[s]) { s += 1 }
            while e > s, ASCII.isLWS(p[e - 1]) { e -= 1 }
            var v = 0
            var ok = s < e
            for i in s..<e {
                let b = p[i]
                guard ASCII.isDigit(b) else { ok = false; break }
                if v > 100_000_000 { ok = false; break }
                v = v * 10 + Int(b - 48)
            }
            if ok { return v }
            let text = String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self)
            let what = text.isEmpty ? "is empty"
                : text.hasPrefix("-") ? "is negative" : (text.allSatisfy(\.isNumber) ? "is too large" : "is not a number")
            issues.append(SIPParseIssue(.contentLengthSyntax, line: Int(f.line), "Content-Length '\(text)' \(what)"))
            return -1
        }

        mutating func fold(_ s: Int, _ e: Int) throws(SIPParseError) {
            guard let last = headers.popLast() else {
                issues.append(SIPParseIssue(.continuationWithoutHeader, line: line,
                                            "a line starting with white space has no header before it"))
                return
            }
            var end = e
            while end > s, ASCII.isWSP(p[end - 1]) { end -= 1 }
            let valueStart = last.valueStart == last.valueEnd && last.valueEnd < Int32(s) ? firstNonWSP(s, e) : Int(last.valueStart)
            let valueEnd = end > s ? end : Int(last.valueEnd)
            headers.append(SIPHeaderField(name: last.name, isFolded: true, nameRange: last.nameRange,
                                          valueRange: valueStart..<max(valueStart, valueEnd), line: Int(last.line)))
        }

        func firstNonWSP(_ s: Int, _ e: Int) -> Int {
            var i = s
            while i < e, ASCII.isWSP(p[i]) { i += 1 }
            return i
        }

        mutating func headerField(_ s: Int, _ e: Int) -> SIPHeaderField? {
            var i = s
            while i < e, ASCII.isToken(p[i]) { i += 1 }
            let nameEnd = i
            while i < e, ASCII.isWSP(p[i]) { i += 1 }
            guard nameEnd > s, i < e, p[i] == ASCII.colon else {
                let text = String(decoding: UnsafeBufferPointer(rebasing: p[s..<min(e, s + 40)]), as: UTF8.self)
                issues.append(SIPParseIssue(.headerSyntax, line: line,
                    nameEnd == s ? "header line '\(text)' does not start with a field name"
                                 : "header line '\(text)' has no colon after its name"))
                return nil
            }
            i += 1
            let vs = firstNonWSP(i, e)
            var ve = e
            while ve > vs, ASCII.isWSP(p[ve - 1]) { ve -= 1 }
            let name = HeaderName.classify(UnsafeBufferPointer(rebasing: p[s..<nameEnd]))
            return SIPHeaderField(name: name, isFolded: false, nameRange: s..<nameEnd, valueRange: vs..<ve, line: line)
        }

        mutating func parseStartLine(_ s: Int, _ e: Int) throws(SIPParseError) -> Parts {
            if e - s >= 4, p[s] == 0x53, p[s + 1] == 0x49, p[s + 2] == 0x50, p[s + 3] == ASCII.slash {
                return try parseStatusLine(s, e)
            }
            return try parseRequestLine(s, e)
        }

        func isVersion(_ s: Int, _ e: Int) -> Bool {
            // "SIP/" 1*DIGIT "." 1*DIGIT, name case-insensitive (RFC 3261 §7.1).
            guard e - s >= 7, ASCII.lower(p[s]) == 0x73, ASCII.lower(p[s + 1]) == 0x69,
                  ASCII.lower(p[s + 2]) == 0x70, p[s + 3] == ASCII.slash else { return false }
            var i = s + 4, digits = 0
            while i < e, ASCII.isDigit(p[i]) { i += 1; digits += 1 }
            guard digits > 0, i < e, p[i] == 0x2E else { return false }
            i += 1
            digits = 0
            while i < e, ASCII.isDigit(p[i]) { i += 1; digits += 1 }
            return digits > 0 && i == e
        }

        func text(_ s: Int, _ e: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: p[s..<min(e, s + 60)]), as: UTF8.self)
        }

        mutating func parseRequestLine(_ s: Int, _ e: Int) throws(SIPParseError) -> Parts {
            var i = s
            while i < e, ASCII.isToken(p[i]) { i += 1 }
            guard i > s, i < e, p[i] == ASCII.sp else {
                throw SIPParseError(.startLine, line: line,
                    "'\(text(s, e))' is neither a Request-Line (Method SP Request-URI SP SIP-Version) nor a Status-Line")
            }
            let method = SIPMethod(bytes: UnsafeBufferPointer(rebasing: p[s..<i]))
            var end = e
            if p[end - 1] == ASCII.sp || p[end - 1] == ASCII.ht {
                while end > i, ASCII.isWSP(p[end - 1]) { end -= 1 }
                issues.append(SIPParseIssue(.requestLineWhitespace, line: line,
                                            "the Request-Line ends with white space before CRLF"))
            }
            var v = end
            while v > i, p[v - 1] != ASCII.sp, p[v - 1] != ASCII.ht { v -= 1 }
            guard v > i + 1, isVersion(v, end) else {
                throw SIPParseError(.startLine, line: line,
                    "the Request-Line '\(text(s, e))' does not end with a SIP-Version such as SIP/2.0")
            }
            var us = i + 1, ue = v - 1
            if us < ue, ASCII.isWSP(p[us]) || ASCII.isWSP(p[ue - 1]) {
                issues.append(SIPParseIssue(.requestLineWhitespace, line: line,
                    "the Request-Line separates its elements with more than one SP"))
                while us < ue, ASCII.isWSP(p[us]) { us += 1 }
                while ue > us, ASCII.isWSP(p[ue - 1]) { ue -= 1 }
            }
            guard us < ue else {
                throw SIPParseError(.startLine, line: line, "the Request-Line '\(text(s, e))' has no Request-URI")
            }
            if (us..<ue).contains(where: { ASCII.isWSP(p[$0]) }) {
                issues.append(SIPParseIssue(.requestURIWhitespace, line: line,
                    "the Request-URI '\(text(us, ue))' contains white space"))
            }
            if p[us] == ASCII.lAngle {
                issues.append(SIPParseIssue(.requestURIAngleBrackets, line: line,
                    "the Request-URI '\(text(us, ue))' is enclosed in <>"))
            }
            return Parts(messageRange: s..<e, kind: .request(method), part1: us..<ue, part2: v..<end, bodyRange: e..<e)
        }

        mutating func parseStatusLine(_ s: Int, _ e: Int) throws(SIPParseError) -> Parts {
            var i = s
            while i < e, p[i] != ASCII.sp { i += 1 }
            guard isVersion(s, i) else {
                throw SIPParseError(.startLine, line: line, "'\(text(s, e))' does not start with a SIP-Version")
            }
            let versionEnd = i
            guard i < e else {
                throw SIPParseError(.startLine, line: line, "the Status-Line '\(text(s, e))' has no status code")
            }
            i += 1
            let cs = i
            var code = 0
            while i < e, ASCII.isDigit(p[i]) {
                code = min(code * 10 + Int(p[i] - 48), 1_000_000_000)
                i += 1
            }
            guard i > cs else {
                throw SIPParseError(.startLine, line: line, "the Status-Line '\(text(s, e))' has no numeric status code")
            }
            if i - cs != 3 {
                issues.append(SIPParseIssue(.statusLineSyntax, line: line,
                    "the status code '\(text(cs, i))' is not three digits"))
            }
            var rs = i
            if i < e {
                if p[i] == ASCII.sp { rs = i + 1 } else {
                    issues.append(SIPParseIssue(.statusLineSyntax, line: line,
                        "the status code is not followed by SP"))
                }
            } else {
                issues.append(SIPParseIssue(.statusLineSyntax, line: line,
                    "the Status-Line has no SP and Reason-Phrase after the status code"))
            }
            return Parts(messageRange: s..<e, kind: .response(code), part1: s..<versionEnd, part2: rs..<e,
                         bodyRange: e..<e)
        }
    }
}
