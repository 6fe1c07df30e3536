/// A SIP request method (RFC 3261 §7.1): the six of RFC 3261, the common extensions, or any other token.
public struct SIPMethod: Hashable, Sendable, RawRepresentable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    /// Equal names. Lengths first: `String`'s `==` takes its slow path for any two strings that differ, and the
    /// engine compares the methods of each message against its transactions'.
    @inlinable
    public static func == (a: SIPMethod, b: SIPMethod) -> Bool {
        a.rawValue.utf8.count == b.rawValue.utf8.count && a.rawValue == b.rawValue
    }

    public static let invite = SIPMethod("INVITE")
    public static let ack = SIPMethod("ACK")
    public static let bye = SIPMethod("BYE")
    public static let cancel = SIPMethod("CANCEL")
    public static let register = SIPMethod("REGISTER")
    public static let options = SIPMethod("OPTIONS")
    public static let info = SIPMethod("INFO")          // RFC 6086
    public static let update = SIPMethod("UPDATE")      // RFC 3311
    public static let prack = SIPMethod("PRACK")        // RFC 3262
    public static let subscribe = SIPMethod("SUBSCRIBE") // RFC 6665
    public static let notify = SIPMethod("NOTIFY")      // RFC 6665
    public static let refer = SIPMethod("REFER")        // RFC 3515
    public static let message = SIPMethod("MESSAGE")    // RFC 3428
    public static let publish = SIPMethod("PUBLISH")    // RFC 3903

    /// Whether a 2xx to this method creates a dialog (RFC 3261 §12.1; RFC 6665; RFC 3515). Compared, not looked up
    /// in a set: hashing the name cost more than the conformance rule that asks, on every response.
    @inlinable
    public var createsDialog: Bool { self == .invite || self == .subscribe || self == .refer }

    /// Methods this library knows by name.
    public static let known: [SIPMethod] = [
        .invite, .ack, .bye, .cancel, .register, .options, .info, .update, .prack, .subscribe, .notify, .refer,
        .message, .publish,
    ]

    /// The method named by `bytes` (case-sensitive, RFC 3261 §7.1). Known methods reuse a shared value.
    @inlinable
    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        switch bytes.count {
        case 3:
            if Self.equals(bytes, "ACK") { self = .ack; return }
            if Self.equals(bytes, "BYE") { self = .bye; return }
        case 4:
            if Self.equals(bytes, "INFO") { self = .info; return }
        case 5:
            if Self.equals(bytes, "PRACK") { self = .prack; return }
            if Self.equals(bytes, "REFER") { self = .refer; return }
        case 6:
            if Self.equals(bytes, "INVITE") { self = .invite; return }
            if Self.equals(bytes, "CANCEL") { self = .cancel; return }
            if Self.equals(bytes, "UPDATE") { self = .update; return }
            if Self.equals(bytes, "NOTIFY") { self = .notify; return }
        case 7:
            if Self.equals(bytes, "OPTIONS") { self = .options; return }
            if Self.equals(bytes, "MESSAGE") { self = .message; return }
            if Self.equals(bytes, "PUBLISH") { self = .publish; return }
        case 8:
            if Self.equals(bytes, "REGISTER") { self = .register; return }
        case 9:
            if Self.equals(bytes, "SUBSCRIBE") { self = .subscribe; return }
        default: break
        }
        self.rawValue = String(decoding: bytes, as: UTF8.self)
    }

    /// Byte-for-byte equality with a literal; cheaper than iterating a `String`'s UTF-8 view.
    @inlinable
    static func equals<C: Collection>(_ bytes: C, _ literal: StaticString) -> Bool where C.Element == UInt8 {
        let n = literal.utf8CodeUnitCount, q = literal.utf8Start
        var j = 0
        for b in bytes {
            guard j < n, b == q[j] else { return false }
            j += 1
        }
        return j == n
    }
}
