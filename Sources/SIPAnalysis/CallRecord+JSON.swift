/// `CallRecord` as JSON written by hand: one call per capture's call, where Foundation's `JSONEncoder` spent a third
/// of `analyze`'s time (bench/analyze.py). The keys and values are those `Codable` gives (the tests decode this with
/// `JSONDecoder` and compare), in sorted order as `AnalysisJSONWriter` writes the rest.
extension CallRecord {
    func writeJSON(into out: inout JSONText) {
        out.object { o in
            o.field("answered") { $0.bool(answered) }
            o.field("callID") { $0.string(callID) }
            o.field("durationMs") { $0.number(durationMs) }
            o.field("ending") { $0.string(ending) }
            o.field("finalCode", finalCode) { $0.int($1) }
            o.field("findings") { $0.array(findings) { out, f in f.writeJSON(into: &out) } }
            o.field("firstPacket") { $0.int(firstPacket) }
            o.field("kind") { $0.string(kind) }
            o.field("ladder", ladder) { $0.array($1) { out, m in m.writeJSON(into: &out) } }
            o.field("messages") { $0.int(messages) }
            o.field("parties") { $0.array(parties) { out, p in out.string(p) } }
            o.field("retransmissions") { $0.int(retransmissions) }
            o.field("sessionRequestDelayMs", sessionRequestDelayMs) { $0.number($1) }
            o.field("start") { $0.number(start) }
            o.field("transactions") { $0.array(transactions) { out, t in t.writeJSON(into: &out) } }
        }
    }
}

extension TransactionRecord {
    func writeJSON(into out: inout JSONText) {
        out.object { o in
            o.field("branch") { $0.string(branch) }
            o.field("cseq") { $0.int(Int(cseq)) }
            o.field("finalCode", finalCode) { $0.int($1) }
            o.field("finalMs", finalMs) { $0.number($1) }
            o.field("firstProvisionalMs", firstProvisionalMs) { $0.number($1) }
            o.field("intervalsDouble", intervalsDouble) { $0.bool($1) }
            o.field("method") { $0.string(method) }
            o.field("requestPacket") { $0.int(requestPacket) }
            o.field("requestRetransmissions") { $0.int(requestRetransmissions) }
            o.field("responseRetransmissions") { $0.int(responseRetransmissions) }
            o.field("retransmissionIntervalsMs") { $0.array(retransmissionIntervalsMs) { out, v in out.number(v) } }
            o.field("startMs") { $0.number(startMs) }
        }
    }
}

extension FindingRecord {
    func writeJSON(into out: inout JSONText) {
        out.object { o in
            o.field("message") { $0.string(message) }
            o.field("packet") { $0.int(packet) }
            o.field("rule") { $0.string(rule) }
            o.field("severity") { $0.string(severity) }
        }
    }
}

extension MessageRecord {
    func writeJSON(into out: inout JSONText) {
        out.object { o in
            o.field("destination") { $0.string(destination) }
            o.field("findings") { $0.array(findings) { out, f in out.string(f) } }
            o.field("label") { $0.string(label) }
            o.field("packet") { $0.int(packet) }
            o.field("retransmission") { $0.bool(retransmission) }
            o.field("source") { $0.string(source) }
            o.field("timeMs") { $0.number(timeMs) }
            o.field("transport") { $0.string(transport) }
        }
    }
}

/// JSON text (RFC 8259) built by appending: strings escaped, numbers as Swift prints them (the shortest form that
/// reads back the same value).
struct JSONText {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1024) }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = s.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)  // most strings: nothing to escape
        } else {
            for b in utf8 { escape(b) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ b: UInt8) {
        let backslash = UInt8(ascii: "\\")
        switch b {
        case UInt8(ascii: "\""), backslash: bytes.append(backslash); bytes.append(b)
        case 0x0A: bytes.append(backslash); bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(backslash); bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(backslash); bytes.append(UInt8(ascii: "t"))
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: "\\u00".utf8)
            bytes.append(hex[Int(b >> 4)])
            bytes.append(hex[Int(b & 0xF)])
        default: bytes.append(b)
        }
    }

    mutating func int(_ v: Int) { bytes.append(contentsOf: String(v).utf8) }

    /// A finite number; an integral value is written without a fraction, as JSONEncoder does.
    mutating func number(_ v: Double) {
        guard v.isFinite else { bytes.append(UInt8(ascii: "0")); return }
        if v == v.rounded(), abs(v) < 1e15 { int(Int(v)) } else { bytes.append(contentsOf: String(v).utf8) }
    }

    mutating func bool(_ v: Bool) { bytes.append(contentsOf: (v ? "true" : "false").utf8) }

    mutating func array<T>(_ items: [T], _ element: (inout JSONText, T) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            element(&self, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func object(_ body: (inout Object) -> Void) {
        var o = Object(text: self)
        bytes = []
        o.text.bytes.append(UInt8(ascii: "{"))
        body(&o)
        o.text.bytes.append(UInt8(ascii: "}"))
        self = o.text
    }

    struct Object {
        var text: JSONText
        var first = true

        init(text: JSONText) { self.text = text }

        mutating func field(_ key: String, _ value: (inout JSONText) -> Void) {
            if !first { text.bytes.append(UInt8(ascii: ",")) }
            first = false
            text.string(key)
            text.bytes.append(UInt8(ascii: ":"))
            value(&text)
        }

        /// An optional field, left out when nil (as `Codable` leaves it out).
        mutating func field<T>(_ key: String, _ value: T?, _ write: (inout JSONText, T) -> Void) {
            guard let value else { return }
            field(key) { write(&$0, value) }
        }
    }
}
