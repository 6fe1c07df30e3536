#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SIPCore

/// Byte comparisons that let the exchange rules skip parsing a header the UAS copied as it was (RFC 3261 §8.2.6):
/// equal bytes parse to equal values, so a response that agrees byte for byte needs no parse of the request's side.
/// Each returns false when it cannot tell; the rule then compares the parsed values.
enum CopiedBytes {
    /// Whether `bytes` starts with `prefix` (one memcmp).
    static func hasPrefix(_ bytes: ArraySlice<UInt8>, _ prefix: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        if prefix.isEmpty { return true }
        return bytes.withUnsafeBufferPointer { a in
            prefix.withUnsafeBufferPointer { b in memcmp(a.baseAddress!, b.baseAddress!, b.count) == 0 }
        }
    }

    /// Whether the response's To (`mine`, parsed from `mineValue`) has the URI of the request's To `sent`, and its
    /// tag if it had one, judged from the bytes: the same bytes, or the request's bytes followed by the tag the UAS
    /// added, `;tag=` exactly, where `mine`'s first tag lies.
    ///
    /// In the second case `mine`'s parse met a parameter boundary where `sent` ends, so `sent` parses to the same
    /// display name, URI and parameters, none of them a tag: an out-of-dialog request, whose To has no tag to echo.
    static func toAgrees(_ mine: NameAddress, _ mineValue: ByteString, _ sent: ByteString) -> Bool {
        if mineValue == sent { return true }
        let m = mineValue.bytes, n = sent.count
        guard let tag = mine.tag, tag.bytes.startIndex == m.startIndex + n + 5, hasPrefix(m, sent.bytes) else {
            return false
        }
        return m[(m.startIndex + n)..<(m.startIndex + n + 5)].elementsEqual(";tag=".utf8)
    }

    /// Whether the response's Via (`mine`, parsed from `mineValue`) has the request's top Via `sent` branch and
    /// sent-by, judged from the bytes: `sent` starts with `mine`'s bytes up to the end of its branch value, and its
    /// branch value ends there too. Both then parse alike up to the branch (sent-by and the first branch are the
    /// same bytes); what a UAS may add after it (`received`, an `rport` value) does not matter.
    static func viaAgrees(_ mine: Via, _ mineValue: ByteString, _ sent: ByteString) -> Bool {
        guard let branch = mine.branch else { return false }
        let k = branch.bytes.endIndex - mineValue.bytes.startIndex
        let s = sent.bytes
        guard s.count >= k, hasPrefix(s, mineValue.bytes.prefix(k)) else { return false }
        if s.count == k || branch.bytes.last == ASCII.quote { return true }  // a quoted value ends at its quote
        let next = s[s.startIndex + k]
        return next == ASCII.semicolon || ASCII.isLWS(next)  // an unquoted value ends before either
    }
}
