import SIPCore

/// Fresh identifiers for calls: Call-IDs, tags and Via branches (RFC 3261 §8.1.1.4, §19.3, §8.1.1.7).
///
/// Each shard has its own generator (no locking); uniqueness comes from a random run prefix, the shard number and
/// a counter, so no two messages of a run ever share a branch.
struct IdentifierGenerator {
    /// What every identifier starts with: the run's random part and the shard's number, in base 36.
    let prefix: [UInt8]
    private var counter: UInt64 = 0

    /// `run` is the run's random part; tests fix it to get the same identifiers every time.
    init(shard: Int, run: UInt64 = .random(in: 0..<(1 << 40))) {
        prefix = Array((String(run, radix: 36) + "-" + String(shard, radix: 36) + "-").utf8)
    }

    mutating func next() -> String {
        counter &+= 1
        var w = MessageWriter(capacity: prefix.count + 13)
        write(counter, into: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// A fresh Call-ID, `next()` and `@host`, written as bytes (a caller makes one for each call it starts).
    mutating func callID(host: [UInt8]) -> ByteString {
        counter &+= 1
        var w = MessageWriter(capacity: prefix.count + 14 + host.count)
        write(counter, into: &w)
        w.bytes.append(ASCII.at)
        w.append(host)
        return ByteString(w.bytes)
    }

    private func write(_ number: UInt64, into w: inout MessageWriter) {
        w.append(prefix)
        w.append(number, radix: 36)
    }

    /// Writes a fresh Via branch, with the RFC 3261 magic cookie: `z9hG4bK` and what `next()` would return.
    /// Returns the branch's number, from which `writeBranch(_:into:)` writes the same branch again.
    @discardableResult
    mutating func writeBranch(into w: inout MessageWriter) -> UInt64 {
        counter &+= 1
        writeBranch(counter, into: &w)
        return counter
    }

    /// Writes the branch numbered `number` by an earlier `writeBranch(into:)`.
    func writeBranch(_ number: UInt64, into w: inout MessageWriter) {
        w.append("z9hG4bK")
        write(number, into: &w)
    }

    /// A tag: short and random enough to tell dialogs apart.
    mutating func tag() -> String { next() }
}
