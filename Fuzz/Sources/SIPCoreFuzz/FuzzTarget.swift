import CLibFuzzer
import SIPCore

/// The entry point SwiftPM links as `main` on Linux (it renames an executable's entry point to `<Module>_main` so
/// tests can link the module). It hands control to libFuzzer's driver, which parses the usual libFuzzer flags.
@_cdecl("SIPCoreFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}

/// Parses one input as a datagram and as a stream, reading every typed header, and re-parses the canonical form.
/// Any crash (trap, out-of-bounds, sanitizer report) is a bug in SIPCore.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    exercise(bytes)
    return 0
}

func exercise(_ bytes: [UInt8]) {
    if let m = try? SIPMessage(parsing: bytes) {
        exercise(m)
        // The canonical form must parse to an equal message and serialize to the same bytes.
        let canonical = m.serialized()
        guard let again = try? SIPMessage(parsing: canonical) else { fatalError("canonical form does not parse") }
        exercise(again)
        precondition(again == m, "canonical form re-parses to a different message")
        precondition(again.serialized() == canonical, "serialization is not stable")
    }
    // Tight limits: the limit checks must throw, never trap, wherever the input crosses them.
    let tight = SIPParserLimits(maxMessageSize: 1024, maxHeaderCount: 8, maxLineLength: 64)
    if let small = try? SIPMessage(parsing: bytes, limits: tight) {
        precondition(small.headers.count <= tight.maxHeaderCount, "header limit exceeded")
    }
    // Stream framing, in two appends split at a point derived from the first byte.
    var framer = SIPStreamFramer()
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    var delivered = 0
    var failed = false
    for chunk in [bytes[..<cut], bytes[cut...]] where !failed {
        framer.append(chunk)
        while true {
            guard let step = try? framer.parseStep() else { failed = true; break }
            switch step {
            case .insufficientData: break
            case .keepAlivePing: delivered += 4
            case .keepAlivePong: delivered += 2
            case .message(let raw): delivered += raw.count
            }
            if step == .insufficientData { break }
            if case .message(let raw) = step, let m = try? SIPMessage(parsing: raw) {
                exercise(m)
                // What the framer cut out is one whole message to the parser, unless the parser reports why not.
                let excused: [SIPParseIssue.Kind] = [.bareLineFeed, .contentLengthSyntax, .unterminatedHeaderSection]
                if !m.issues.contains(where: { excused.contains($0.kind) }) {
                    precondition(m.trailingOctets.isEmpty && !m.issues.contains { $0.kind == .contentLengthExceedsBody },
                                 "the framer and the parser disagree on where the message ends")
                }
            }
        }
    }
    if !failed {
        precondition(delivered + framer.bufferedCount == bytes.count, "the framer lost or duplicated octets")
    }
}

func exercise(_ m: SIPMessage) {
    _ = m.topVia.map { ($0.branch, $0.received, $0.rport, $0.maddr, $0.ttl, $0.sentBy, $0.hasMagicCookie) }
    if let vias = try? m.parseVias(), let first = vias.first {
        precondition(m.topVia == first, "topVia is not the first of parseVias()")
    }
    _ = m.from.map { ($0.tag, $0.unquotedDisplayName, try? $0.parsedURI()) }
    _ = m.to.map { ($0.tag, $0.unquotedDisplayName, try? $0.parsedURI()) }
    _ = m.cseq
    _ = m.callID
    _ = m.maxForwards
    _ = m.contentLength
    _ = m.expires
    _ = m.contentType
    _ = try? m.parseContacts().map { try? $0.parsedURI() }
    _ = try? m.parseAddresses(.route)
    _ = try? m.parseAddresses(.recordRoute)
    if let uri = m.requestURI, let u = try? SIPURI.parse(uri) { _ = (u.parameter("transport"), u.isSIPS, u.isTel) }
    _ = (m.startLine, m.version, m.reasonPhrase, m.body.count, m.trailingOctets.count, m.rawBytes.count)
    for f in m.headers {
        _ = m.rawName(of: f)
        _ = m.lineNumber(at: f.valueRange.lowerBound)
        let v = m.value(of: f)
        precondition(HeaderList.first(v) == HeaderList.split(v)[0], "HeaderList.first and split disagree")
        _ = try? NameAddress.parse(v)
        _ = try? Via.parse(v)
        _ = try? CSeq.parse(v)
        _ = try? SIPURI.parse(v)
    }
    for name in HeaderName.allCases where m.contains(name) { _ = m.values(name) }
    _ = m.text
    _ = m == m
}
