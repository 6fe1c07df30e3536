#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SIPCore

/// Findings collected while checking one message, with helpers that point each finding at a header line.
struct FindingList {
    /// The bytes of the message checked, for the names of unknown headers. Not the message: a copy of it would count
    /// a reference for each of its arrays, on every message checked.
    let storage: [UInt8]
    private(set) var findings: [Finding] = []
    /// The message's fields that copy a field of the request it answers byte for byte (see `CopiedFields`): the
    /// rules on a value alone skip them.
    var copies = CopiedFields()
    /// The first To field and its address as the address rules parsed it (nil when it did not parse), kept for the
    /// exchange rules, which read the response's To too.
    var firstTo: (field: SIPHeaderField, address: NameAddress?)?
    /// The first Via value as the Via rules parsed it (nil when it did not parse), kept for the exchange rules.
    var firstVia: (field: SIPHeaderField, via: Via?)?
    /// Values found well formed by earlier checks (empty unless the checker was given one).
    var memo = CheckMemo()

    /// `borrowing`: an initializer takes its arguments owned, and the caller would copy the message for it.
    init(_ message: borrowing SIPMessage) { self.storage = message.storage }

    /// Reports a finding about a header field: its canonical name (or the name as written) and its line.
    mutating func add(_ rule: Rule, _ field: SIPHeaderField, _ text: String) {
        let name = field.name == .other ? SIPMessage.rawName(of: field, in: storage).string : field.name.canonicalName
        findings.append(Finding(rule, header: name, line: Int(field.line), text))
    }

    /// Reports a finding about a header that has no line to point at (typically an absent header).
    mutating func add(_ rule: Rule, header: HeaderName, _ text: String) {
        findings.append(Finding(rule, header: header.canonicalName, line: nil, text))
    }

    /// Reports a finding about the start line.
    mutating func addStartLine(_ rule: Rule, _ text: String) {
        findings.append(Finding(rule, line: 1, text))
    }

    /// Reports a finding at a given line, with no header.
    mutating func add(_ rule: Rule, line: Int?, _ text: String) {
        findings.append(Finding(rule, line: line, text))
    }

    /// The findings by line; those without a line keep their order at the end.
    func sorted() -> [Finding] {
        if findings.count < 2 { return findings }
        return findings.enumerated().sorted { a, b in
            let la = a.element.line ?? Int.max, lb = b.element.line ?? Int.max
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }
}

extension SIPMessage {
    /// The method a response answers, from its CSeq (nil if the CSeq does not parse).
    var answeredMethod: SIPMethod? { cseq?.method }
}

extension ByteString {
    /// The text lower-cased, for comparing tokens that are case-insensitive.
    var lowercased: String { string.lowercased() }

    /// `equalsIgnoringCase` with a lower-case ASCII literal, byte against byte: no String to walk, for the
    /// schemes and protocol names the rules compare on every message.
    func equalsLowercase(_ lower: StaticString) -> Bool {
        bytes.withUnsafeBufferPointer { ASCII.equalsLowercase($0, lower) }
    }

    /// `hasPrefix` (case-sensitive) with an ASCII literal, byte against byte.
    func hasPrefix(ascii prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        let q = prefix.utf8Start
        var j = 0, i = bytes.startIndex
        while j < prefix.utf8CodeUnitCount {
            guard bytes[i] == q[j] else { return false }
            i += 1
            j += 1
        }
        return true
    }
}

extension SIPMessage {
    /// The fields with this name, lazily (`fields(_:)` builds an array; the checkers only walk them).
    func eachField(_ name: HeaderName) -> NamedFields { NamedFields(headers: headers, name: name) }
}

/// The fields of a response that are byte-for-byte copies of the request's (RFC 3261 §8.2.6.2: From, Call-ID, CSeq,
/// the Via and the To of an in-dialog request, tag and all, are copied): the first field of each name whose value has
/// the same bytes as the request's first field of that name, told by where its value starts. A rule on a value alone
/// says of such a copy only what it says of the request's value, whose bytes the UAC wrote: it is not the answering
/// side's doing, and not checked again.
struct CopiedFields {
    /// Where the copied values start in the response's storage; -1 for none.
    private var from = -1, callID = -1, cseq = -1, via = -1, to = -1
    /// The response's first To when it is the request's To with a tag added (`SIPMessage.addedToTag(answering:)`),
    /// and where that tag lies in the response: a To the UAS answered with, of which only the tag is its own.
    private(set) var toWithAddedTag: (field: SIPHeaderField, tag: Range<Int>)?

    init() {}

    /// The copies in `response` of `request`'s fields. `borrowing`, as `FindingList.init`.
    init(_ response: borrowing SIPMessage, of request: borrowing SIPMessage) {
        let mine = FirstFields(response.headers), sent = FirstFields(request.headers)
        response.storage.withUnsafeBufferPointer { x in
            request.storage.withUnsafeBufferPointer { y in
                func copy(_ a: Int, _ b: Int) -> Int {
                    a < 0 || b < 0 ? -1 : Self.copy(response.headers[a], request.headers[b], x, y)
                }
                from = copy(mine.from, sent.from)
                callID = copy(mine.callID, sent.callID)
                cseq = copy(mine.cseq, sent.cseq)
                via = copy(mine.via, sent.via)
                to = copy(mine.to, sent.to)
            }
        }
        if to < 0, mine.to >= 0, sent.to >= 0 {
            let m = response.headers[mine.to]
            toWithAddedTag = response.addedToTag(m, answering: request, request.headers[sent.to]).map { (m, $0) }
        }
    }

    /// Where the first From, Call-ID, CSeq, Via and To fields are in a message's header index (-1: none), found in
    /// one pass.
    private struct FirstFields {
        var from = -1, callID = -1, cseq = -1, via = -1, to = -1

        init(_ headers: borrowing [SIPHeaderField]) {
            for i in headers.indices.reversed() {  // backwards: the first one is written last
                switch headers[i].name {
                case .from: from = i
                case .callID: callID = i
                case .cseq: cseq = i
                case .via: via = i
                case .to: to = i
                default: continue
                }
            }
        }
    }

    /// Whether `f` is the To that copies the request's with a tag added.
    func isToWithAddedTag(_ f: SIPHeaderField) -> Bool {
        toWithAddedTag.map { $0.field.valueRange.lowerBound == f.valueRange.lowerBound } ?? false
    }

    /// Whether the first field named `name` (From, Call-ID, CSeq, Via or To) is a copy.
    func copied(_ name: HeaderName) -> Bool {
        switch name {
        case .from: from >= 0
        case .callID: callID >= 0
        case .cseq: cseq >= 0
        case .via: via >= 0
        case .to: to >= 0
        default: false
        }
    }

    /// Whether `f` is one of the copies.
    func contains(_ f: SIPHeaderField) -> Bool {
        let start = f.valueRange.lowerBound
        return start == from || start == callID || start == cseq || start == via || start == to
    }

    /// Where the value of the response's field `mine` starts if its bytes are those of the request's `sent`
    /// (compared as written: equal bytes, folded or not, are equal values), or -1. `x` and `y` are the two
    /// messages' storage.
    private static func copy(_ mine: SIPHeaderField, _ sent: SIPHeaderField, _ x: UnsafeBufferPointer<UInt8>,
                             _ y: UnsafeBufferPointer<UInt8>) -> Int {
        let a = mine.valueRange, b = sent.valueRange
        guard a.count == b.count else { return -1 }
        let same = a.isEmpty || memcmp(x.baseAddress! + a.lowerBound, y.baseAddress! + b.lowerBound, a.count) == 0
        return same ? a.lowerBound : -1
    }
}
