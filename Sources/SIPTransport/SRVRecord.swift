/// One DNS SRV record (RFC 2782), as RFC 3263 §4.2 uses it to find a SIP server for a domain.
public struct SRVRecord: Sendable, Hashable {
    public let priority: UInt16
    public let weight: UInt16
    public let port: UInt16
    public let target: String

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }

    /// Records in the order to try them: lowest priority first, then highest weight (a deterministic stand-in for
    /// RFC 2782's weighted random choice, so a monitor always probes the same server).
    public static func ordered(_ records: [SRVRecord]) -> [SRVRecord] {
        records.sorted { ($0.priority, UInt16.max - $0.weight, $0.target) < ($1.priority, UInt16.max - $1.weight, $1.target) }
    }

    /// The SRV records in the answer section of a DNS response (RFC 1035 §4.1), following name compression.
    /// Returns [] for a response without SRV answers, or a truncated or malformed one; a lone target of "."
    /// means "no such service here" (RFC 2782) and also gives [].
    public static func parseAnswer(_ msg: [UInt8]) -> [SRVRecord] {
        guard msg.count >= 12 else { return [] }
        func u16(_ i: Int) -> UInt16? { i + 1 < msg.count ? UInt16(msg[i]) << 8 | UInt16(msg[i + 1]) : nil }
        guard let qd = u16(4), let an = u16(6) else { return [] }
        var i = 12
        for _ in 0..<qd {
            guard let end = skipName(msg, at: i) else { return [] }
            i = end + 4
        }
        var out: [SRVRecord] = []
        for _ in 0..<an {
            guard let end = skipName(msg, at: i), let type = u16(end), let rdlength = u16(end + 8) else { return out }
            let rdata = end + 10
            guard rdata + Int(rdlength) <= msg.count else { return out }
            if type == 33, rdlength >= 7, let p = u16(rdata), let w = u16(rdata + 2), let port = u16(rdata + 4),
               let name = readName(msg, at: rdata + 6) {
                if name != "." { out.append(SRVRecord(priority: p, weight: w, port: port, target: name)) }
            }
            i = rdata + Int(rdlength)
        }
        return out
    }

    /// The offset just past a (possibly compressed) name.
    static func skipName(_ msg: [UInt8], at start: Int) -> Int? {
        var i = start
        while i < msg.count {
            let len = Int(msg[i])
            if len == 0 { return i + 1 }
            if len & 0xC0 == 0xC0 { return i + 2 <= msg.count ? i + 2 : nil }
            i += 1 + len
        }
        return nil
    }

    /// A name, following compression pointers (bounded, so a pointer loop ends).
    static func readName(_ msg: [UInt8], at start: Int) -> String? {
        var labels: [String] = []
        var i = start
        var jumps = 0
        while i < msg.count {
            let len = Int(msg[i])
            if len == 0 { return labels.isEmpty ? "." : labels.joined(separator: ".") }
            if len & 0xC0 == 0xC0 {
                guard i + 1 < msg.count, jumps < 16 else { return nil }
                i = (len & 0x3F) << 8 | Int(msg[i + 1])
                jumps += 1
                continue
            }
            guard i + 1 + len <= msg.count else { return nil }
            labels.append(String(decoding: msg[(i + 1)..<(i + 1 + len)], as: UTF8.self))
            i += 1 + len
        }
        return nil
    }
}
