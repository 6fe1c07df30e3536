#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A view of bytes inside a SIP message, compared and hashed by content.
///
/// Header values, URI parts and parameters are handed out as `ByteString`s that share the message's storage, so
/// reading a typed header costs no copy. Use `string` (or `description`) when text is wanted.
public struct ByteString: Hashable, Sendable {
    public let bytes: ArraySlice<UInt8>

    @inlinable
    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    @inlinable
    public init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    public init(_ string: String) { self.bytes = Array(string.utf8)[...] }

    /// A copy with storage of its own, so keeping it does not keep the whole message it was read from alive.
    public var owned: ByteString { ByteString(Array(bytes)) }

    /// Content equality, compared as memory with one `memcmp` (the synthesized one compares byte by byte).
    @inlinable
    public static func == (a: ByteString, b: ByteString) -> Bool {
        guard a.bytes.count == b.bytes.count else { return false }
        guard !a.bytes.isEmpty else { return true }
        return a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    /// Hashes the content in one call (the synthesized one combines byte by byte).
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    @inlinable public var count: Int { bytes.count }
    @inlinable public var isEmpty: Bool { bytes.isEmpty }

    /// The bytes decoded as UTF-8 (invalid sequences replaced).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Byte-for-byte equality with ASCII letters compared without case.
    ///
    /// Over the string's contiguous UTF-8 when it has it (literals do): walking a `String.UTF8View` costs far more
    /// a byte, and the rules compare schemes and parameter names this way on every message.
    @inlinable
    public func equalsIgnoringCase(_ other: String) -> Bool {
        if other.utf8.count != bytes.count { return false }  // O(1) for native strings, which literals are
        if let equal = other.utf8.withContiguousStorageIfAvailable({ equalsIgnoringCase(utf8: $0) }) { return equal }
        var i = bytes.startIndex
        for b in other.utf8 {
            guard i < bytes.endIndex, ASCII.lower(bytes[i]) == ASCII.lower(b) else { return false }
            i += 1
        }
        return i == bytes.endIndex
    }

    @inlinable
    func equalsIgnoringCase(utf8 other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == other.count else { return false }
        var i = bytes.startIndex
        for b in other {
            guard ASCII.lower(bytes[i]) == ASCII.lower(b) else { return false }
            i += 1
        }
        return true
    }

    @inlinable
    public func equalsIgnoringCase(_ other: ByteString) -> Bool {
        guard count == other.count else { return false }
        return zip(bytes, other.bytes).allSatisfy { ASCII.lower($0) == ASCII.lower($1) }
    }

    @inlinable
    public func hasPrefix(_ prefix: String) -> Bool {
        if let has = prefix.utf8.withContiguousStorageIfAvailable({ bytes.starts(with: $0) }) { return has }
        return bytes.starts(with: prefix.utf8)
    }

    /// The decimal value, or nil if these are not all digits or the value exceeds `UInt64`.
    @inlinable
    public var decimalValue: UInt64? {
        guard !bytes.isEmpty else { return nil }
        var v: UInt64 = 0
        for b in bytes {
            guard ASCII.isDigit(b) else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b &- 48))
            if o1 || o2 { return nil }
            v = s
        }
        return v
    }

    /// Whether `needle`'s bytes occur in these bytes (a plain scan: the values are header-sized). Over buffers:
    /// indexing the slices cost a bounds check a byte, and the Via rules search every Via this way.
    @inlinable
    public func contains(_ needle: ByteString) -> Bool {
        guard let first = needle.bytes.first else { return true }
        guard bytes.count >= needle.count else { return false }
        return bytes.withUnsafeBufferPointer { h in
            needle.bytes.withUnsafeBufferPointer { n in
                var i = 0
                while i <= h.count - n.count {
                    if h[i] == first {
                        var k = 1
                        while k < n.count, h[i + k] == n[k] { k += 1 }
                        if k == n.count { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }

    /// The bytes with leading and trailing linear white space removed.
    @inlinable
    public var trimmed: ByteString {
        var s = bytes.startIndex, e = bytes.endIndex
        while s < e, ASCII.isLWS(bytes[s]) { s += 1 }
        while e > s, ASCII.isLWS(bytes[e - 1]) { e -= 1 }
        return ByteString(bytes[s..<e])
    }
}

extension ByteString: CustomStringConvertible, ExpressibleByStringLiteral {
    public var description: String { string }
    public init(stringLiteral value: String) { self.init(value) }
}

extension ByteString {
    /// Equality with a string's UTF-8, case-sensitive.
    public static func == (lhs: ByteString, rhs: String) -> Bool {
        if let equal = rhs.utf8.withContiguousStorageIfAvailable({ lhs.bytes.elementsEqual($0) }) { return equal }
        return lhs.bytes.elementsEqual(rhs.utf8)
    }
    public static func == (lhs: String, rhs: ByteString) -> Bool { rhs == lhs }
}

/// Byte classes from RFC 3261 §25.1 used by the parsers.
public enum ASCII {
    public static let cr: UInt8 = 13, lf: UInt8 = 10, sp: UInt8 = 32, ht: UInt8 = 9
    public static let colon: UInt8 = 58, semicolon: UInt8 = 59, comma: UInt8 = 44, equals: UInt8 = 61
    public static let quote: UInt8 = 34, backslash: UInt8 = 92, lAngle: UInt8 = 60, rAngle: UInt8 = 62
    public static let slash: UInt8 = 47, at: UInt8 = 64, question: UInt8 = 63, percent: UInt8 = 37
    public static let lBracket: UInt8 = 91, rBracket: UInt8 = 93, ampersand: UInt8 = 38

    @inlinable public static func lower(_ b: UInt8) -> UInt8 { (b &- 65) < 26 ? b | 0x20 : b }
    @inlinable public static func isDigit(_ b: UInt8) -> Bool { (b &- 48) < 10 }
    @inlinable public static func isAlpha(_ b: UInt8) -> Bool { ((b | 0x20) &- 97) < 26 }
    @inlinable public static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) &- 97) < 6 }
    @inlinable public static func isWSP(_ b: UInt8) -> Bool { b == sp || b == ht }
    /// White space including the CR and LF of a folded line.
    @inlinable public static func isLWS(_ b: UInt8) -> Bool { b == sp || b == ht || b == cr || b == lf }

    /// Whether `bytes` spell `lower`, a lower-case ASCII literal, in any case: byte against byte, no `String` made.
    @inlinable
    public static func equalsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let q = lower.utf8Start
        for j in 0..<bytes.count where Self.lower(bytes[j]) != q[j] { return false }
        return true
    }

    /// `token` characters: alphanum and `-.!%*_+`'~`.
    ///
    /// One load from a constant 256-entry table (a string literal, so no global initialisation): a global
    /// `[Bool]` cost a `swift_once` check and a bounds check per byte in the header-name and parameter loops.
    @inlinable public static func isToken(_ b: UInt8) -> Bool {
        tokenFlags.utf8Start[Int(b)] == 0x31
    }

    /// `word` characters (Call-ID): token characters plus `()<>:\"/[]?{}`.
    @inlinable public static func isWord(_ b: UInt8) -> Bool {
        wordFlags.utf8Start[Int(b)] == 0x31
    }

    /// A generic-param value that is not quoted: token characters, or `:` `[` `]` of a host (RFC 3261 §25.1).
    @inlinable static func isParamValue(_ b: UInt8) -> Bool {
        paramValueFlags.utf8Start[Int(b)] == 0x31
    }

    /// The characters of a host name or IPv4 address: alphanum, `-` and `.` (RFC 3261 §25.1).
    @inlinable static func isHostChar(_ b: UInt8) -> Bool {
        hostFlags.utf8Start[Int(b)] == 0x31
    }

    @inlinable static var paramValueFlags: StaticString {
        "0000000000000000000000000000000001000101001101101111111111100000011111111111111111111111111101011111111111111111111111111110001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }

    @inlinable static var hostFlags: StaticString {
        "0000000000000000000000000000000000000000000001101111111111000000011111111111111111111111111000000111111111111111111111111110000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }

    /// `"1"` at the index of each token octet, `"0"` elsewhere; 256 entries.
    @inlinable static var tokenFlags: StaticString {
        "0000000000000000000000000000000001000101001101101111111111000000011111111111111111111111111000011111111111111111111111111110001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }

    /// `"1"` at the index of each word octet, `"0"` elsewhere; 256 entries.
    @inlinable static var wordFlags: StaticString {
        "0000000000000000000000000000000001100101111101111111111111101011011111111111111111111111111111011111111111111111111111111111011000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
}
