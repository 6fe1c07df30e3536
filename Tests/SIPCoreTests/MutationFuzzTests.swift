import Testing
import TestSupport
@testable import SIPCore

/// A deterministic mutation fuzzer that runs with the normal tests: it mutates sample messages and checks that no
/// input crashes the parser, the typed header parsers, the serializer or the stream framer, and that the canonical
/// form of any message that parses re-parses to an equal message. The libFuzzer harness in `Fuzz/` explores
/// further; crashes either finds are kept as inline regression tests in `FuzzResultTests.swift`.
@Suite struct MutationFuzzTests {
    static let iterations = 20_000

    static var seeds: [[UInt8]] {
        Fixtures.messages.map(\.bytes) + Fixtures.rfc4475.map(\.bytes)
    }

    @Test func fixturesAreLoaded() {
        #expect(Fixtures.messages.count >= 7)
    }

    /// Some 14 s of CPU in a debug build: it yields its thread of Swift's shared pool every hundred mutants, so
    /// that the tests running beside it (on 2 cores the pool has 2 threads) are not held up for that long.
    @Test func mutantsNeverCrashAndCanonicalFormsReparseEqual() async throws {
        let seeds = Self.seeds
        try #require(!seeds.isEmpty)
        var rng = SplitMix64(seed: 0x5EED_5195)
        var parsed = 0
        for i in 0..<Self.iterations {
            if i % 100 == 0 { await Task.yield() }
            var input = seeds[rng.below(seeds.count)]
            for _ in 0...rng.below(4) { Mutator.mutate(&input, seeds: seeds, rng: &rng) }
            if FuzzExercise.run(input, rng: &rng) { parsed += 1 }
        }
        // Most mutants still parse, so the typed parsers and the serializer saw real work.
        #expect(parsed > Self.iterations / 2)
    }
}

/// Header values assembled from grammar fragments, fed straight to the typed parsers: they reach deeper into
/// URI, name-addr and Via syntax than byte mutations of whole messages do.
@Suite struct GeneratedValueFuzzTests {
    static let fragments: [String] = [
        "sip:", "sips:", "tel:", "SIP:", "x-y.z+1:", "user", "alice", "@", "@@", "host.example.com", "192.0.2.1",
        "[2001:db8::1]", "[", "]", ":", "5060", "65536", "99999999999999999999", ";", ";;", "tag", "branch",
        "z9hG4bK", "received", "rport", "lr", "=", "\"", "\\", "\\\"", "<", ">", ",", " ", "\t", "\r\n ", "\r",
        "\n", "%", "%41", "%zz", "%0", "?", "&", "*", "SIP", "/", "2.0", "UDP", "INVITE", "1", "-", ".", "Bob",
        "\u{0}", "\u{7f}", "é",
    ]

    @Test func generatedValuesNeverCrashTheTypedParsers() {
        var rng = SplitMix64(seed: 0x00C0_FFEE)
        var parsedSomething = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0...rng.below(12) { text += Self.fragments[rng.below(Self.fragments.count)] }
            let value = ByteString(text)
            var any = false
            if let a = try? NameAddress.parse(value) {
                any = true
                _ = (a.tag, a.unquotedDisplayName, try? a.parsedURI())
            }
            if let v = try? Via.parse(value) {
                any = true
                _ = (v.branch, v.received, v.rport, v.sentBy, v.hasMagicCookie)
            }
            if (try? CSeq.parse(value)) != nil { any = true }
            if let u = try? SIPURI.parse(value) {
                any = true
                if (try? SIPURI.parse(u.raw)) != u { Issue.record("URI does not re-parse equal: \(text.debugDescription)") }
            }
            let parts = HeaderList.split(value)
            if HeaderList.first(value) != parts[0] { Issue.record("first/split disagree: \(text.debugDescription)") }
            for part in parts { _ = try? NameAddress.parse(part) }
            if any { parsedSomething += 1 }
        }
        // The fragments are chosen so that a fair share of values are valid and reach the parsers' later stages.
        #expect(parsedSomething > 4_000)
    }
}

enum Mutator {
    /// Bytes that matter to the SIP grammar, inserted at random points.
    static let interesting: [UInt8] = Array("\r\n \t;,\"<>%:@=?[]\\/*0".utf8) + [0, 0x7F, 0xFF]

    static func mutate(_ b: inout [UInt8], seeds: [[UInt8]], rng: inout SplitMix64) {
        let pos = b.isEmpty ? 0 : rng.below(b.count + 1)
        switch rng.below(10) {
        case 0:  // bit flip
            guard !b.isEmpty else { return }
            let i = rng.below(b.count)
            b[i] ^= 1 << UInt8(rng.below(8))
        case 1:  // random byte insert
            b.insert(UInt8(truncatingIfNeeded: rng.next()), at: pos)
        case 2:  // delete a run
            guard !b.isEmpty else { return }
            let i = rng.below(b.count)
            b.removeSubrange(i..<min(b.count, i + 1 + rng.below(8)))
        case 3, 4:  // insert a grammar byte (twice as likely: it finds the interesting paths)
            b.insert(interesting[rng.below(interesting.count)], at: pos)
        case 5:  // splice in a piece of another seed
            let other = seeds[rng.below(seeds.count)]
            guard !other.isEmpty else { return }
            let s = rng.below(other.count)
            let piece = other[s..<min(other.count, s + 1 + rng.below(64))]
            b.insert(contentsOf: piece, at: pos)
        case 6:  // duplicate a line
            let lines = lineRanges(b)
            guard !lines.isEmpty else { return }
            let r = lines[rng.below(lines.count)]
            b.insert(contentsOf: b[r], at: r.upperBound)
        case 7:  // delete a line
            let lines = lineRanges(b)
            guard !lines.isEmpty else { return }
            b.removeSubrange(lines[rng.below(lines.count)])
        case 8:  // truncate
            b.removeSubrange(pos...)
        default:  // replace a byte with a grammar byte
            guard !b.isEmpty else { return }
            b[rng.below(b.count)] = interesting[rng.below(interesting.count)]
        }
    }

    /// Each line including its LF.
    static func lineRanges(_ b: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var s = 0
        for (i, c) in b.enumerated() where c == ASCII.lf {
            out.append(s..<(i + 1))
            s = i + 1
        }
        if s < b.count { out.append(s..<b.count) }
        return out
    }
}

/// What the fuzzers do with one input. Crashes are the failure mode; semantic checks use `#expect` so a failing
/// input is reported with its bytes.
enum FuzzExercise {
    /// Parses `input` as a datagram and as a stream in random chunks. Returns true when the datagram parsed.
    @discardableResult
    static func run(_ input: [UInt8], rng: inout SplitMix64) -> Bool {
        var ok = false
        if let m = try? SIPMessage(parsing: input) {
            ok = true
            readEverything(m)
            let canonical = m.serialized()
            do {
                let again = try SIPMessage(parsing: canonical)
                // Checked with `if` first: an `#expect` per iteration costs more than the parse in debug builds.
                if again != m { Issue.record("canonical form does not re-parse equal: \(escaped(input))") }
                if again.serialized() != canonical { Issue.record("serialization is not stable: \(escaped(input))") }
            } catch {
                Issue.record("canonical form does not parse (\(error)): \(escaped(input))")
            }
        }
        // Tight limits: the limit checks must throw, never trap, wherever the input crosses them.
        if let small = try? SIPMessage(parsing: input, limits: tightLimits) {
            if small.headers.count > tightLimits.maxHeaderCount { Issue.record("header limit exceeded: \(escaped(input))") }
        }
        frame(input, rng: &rng)
        return ok
    }

    static let tightLimits = SIPParserLimits(maxMessageSize: 1024, maxHeaderCount: 8, maxLineLength: 64)

    static func frame(_ input: [UInt8], rng: inout SplitMix64) {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        var i = 0
        var delivered = 0
        stream: while i < input.count {
            let n = 1 + rng.below(min(64, input.count - i))
            framer.append(input[i..<(i + n)])
            i += n
            while true {
                guard let step = try? framer.parseStep() else { i = -1; break stream }
                switch step {
                case .insufficientData: continue stream
                case .keepAlivePing: delivered += 4
                case .keepAlivePong: delivered += 2
                case .message(let bytes):
                    delivered += bytes.count
                    // The typed headers were read from the datagram parse above; here only the framing is checked.
                    if let m = try? SIPMessage(parsing: bytes) {
                        if !framerAgreesWithParser(m) { Issue.record("framer and parser disagree: \(escaped(input))") }
                    }
                }
            }
        }
        // Nothing is lost or duplicated: what was handed out plus what is still buffered is what was appended.
        if i == input.count, delivered + framer.bufferedCount != input.count {
            Issue.record("framer lost or duplicated octets: \(escaped(input))")
        }
    }

    /// A message the framer cut out is exactly one message to the parser, unless the parser framed it differently
    /// for a reason it reports (bare LF line ends, an unusable Content-Length).
    static func framerAgreesWithParser(_ m: SIPMessage) -> Bool {
        let excused: Set<SIPParseIssue.Kind> = [.bareLineFeed, .contentLengthSyntax, .unterminatedHeaderSection]
        if m.issues.contains(where: { excused.contains($0.kind) }) { return true }
        return m.trailingOctets.isEmpty && !m.issueKinds.contains(.contentLengthExceedsBody)
    }

    static func readEverything(_ m: SIPMessage) {
        _ = m.topVia.map { ($0.branch, $0.received, $0.rport, $0.maddr, $0.ttl, $0.sentBy, $0.hasMagicCookie) }
        if let vias = try? m.parseVias(), let first = vias.first, m.topVia != first {
            Issue.record("topVia is not the first of parseVias() in \(escaped(Array(m.rawBytes)))")
        }
        _ = m.from.map { ($0.tag, $0.unquotedDisplayName, try? $0.parsedURI()) }
        _ = m.to.map { ($0.tag, $0.unquotedDisplayName, try? $0.parsedURI()) }
        _ = (m.cseq, m.callID, m.maxForwards, m.contentLength, m.expires, m.contentType)
        _ = try? m.parseContacts().map { try? $0.parsedURI() }
        _ = try? m.parseAddresses(.route).map { try? $0.parsedURI() }
        _ = try? m.parseAddresses(.recordRoute)
        if let uri = m.requestURI, let u = try? SIPURI.parse(uri) { _ = (u.parameter("transport"), u.isSIPS, u.isTel) }
        _ = (m.startLine, m.version, m.reasonPhrase, m.body.count, m.trailingOctets.count, m.rawBytes.count)
        for f in m.headers {
            _ = m.rawName(of: f)
            _ = m.lineNumber(at: f.valueRange.lowerBound)
            let v = m.value(of: f)
            if HeaderList.first(v) != referenceSplit(v)[0] || HeaderList.split(v) != referenceSplit(v) {
                Issue.record("HeaderList.first or split disagrees with the reference on \(escaped(Array(v.bytes)))")
            }
            _ = try? NameAddress.parse(v)
            _ = try? Via.parse(v)
            _ = try? CSeq.parse(v)
            _ = try? SIPURI.parse(v)
        }
        for name in Set(m.headers.map(\.name)) {
            // The lazy walk (`fieldValues`, which `values` and the conformance checkers use) yields each field's
            // value split as the plain scanner splits it, with its field.
            let expected = m.fields(name).flatMap { f in
                (name.isList ? referenceSplit(m.value(of: f)) : [m.value(of: f)]).map { (f.line, $0) }
            }
            let walked = m.fieldValues(name).map { ($0.field.line, $0.value) }
            if !walked.elementsEqual(expected, by: ==) {
                Issue.record("fieldValues disagrees with the reference split on \(name) in \(escaped(Array(m.rawBytes)))")
            }
        }
        _ = m.text
    }

    /// The input as a Swift literal to paste into `FuzzResultTests`: a string when it is ASCII, else a byte array.
    static func escaped(_ b: [UInt8]) -> String {
        guard b.allSatisfy({ $0 < 0x80 }) else { return "\(b)" }
        var s = "\""
        for c in b {
            switch c {
            case 0x0D: s += "\\r"
            case 0x0A: s += "\\n"
            case 0x09: s += "\\t"
            case 0x22: s += "\\\""
            case 0x5C: s += "\\\\"
            case 0x20..<0x7F: s += String(UnicodeScalar(c))
            default: s += "\\u{\(String(c, radix: 16))}"
            }
        }
        return s + "\""
    }
}

/// RFC 3261 §7.3.1 list splitting written the plain way, one pass with quote and `<>` state, as the oracle for
/// `HeaderList` (whose lazy scanner and no-comma fast path the parser and the checkers use).
func referenceSplit(_ value: ByteString) -> [ByteString] {
    let b = value.bytes
    var out: [ByteString] = []
    var start = b.startIndex, i = b.startIndex
    var inQuotes = false, inAngle = false
    while i < b.endIndex {
        let c = b[i]
        if inQuotes {
            if c == ASCII.backslash { i += 1 } else if c == ASCII.quote { inQuotes = false }
        } else if c == ASCII.quote {
            inQuotes = true
        } else if c == ASCII.lAngle {
            inAngle = true
        } else if c == ASCII.rAngle {
            inAngle = false
        } else if c == ASCII.comma, !inAngle {
            out.append(ByteString(b[start..<i]).trimmed)
            start = i + 1
        }
        i += 1
    }
    out.append(ByteString(b[min(start, b.endIndex)..<b.endIndex]).trimmed)
    return out
}
