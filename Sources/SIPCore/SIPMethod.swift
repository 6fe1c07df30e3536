/// A SIP request method (RFC 3261 §7.1): the six of RFC 3261, the common extensions, or any other token.
public struct SIPMethod: Hashable, Sendable, RawRepresentable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

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
            if bytes.elementsEqual("ACK".utf8) { self = .ack; return }
            if bytes.elementsEqual("BYE".utf8) { self = .bye; return }
        case 4:
            if bytes.elementsEqual("INFO".utf8) { self = .info; return }
        case 5:
            if bytes.elementsEqual("PRACK".utf8) { self = .prack; return }
            if bytes.elementsEqual("REFER".utf8) { self = .refer; return }
        case 6:
            if bytes.elementsEqual("INVITE".utf8) { self = .invite; return }
            if bytes.elementsEqual("CANCEL".utf8) { self = .cancel; return }
            if bytes.elementsEqual("UPDATE".utf8) { self = .update; return }
            if bytes.elementsEqual("NOTIFY".utf8) { self = .notify; return }
        case 7:
            if bytes.elementsEqual("OPTIONS".utf8) { self = .options; return }
            if bytes.elementsEqual("MESSAGE".utf8) { self = .message; return }
            if bytes.elementsEqual("PUBLISH".utf8) { self = .publish; return }
        case 8:
            if bytes.elementsEqual("REGISTER".utf8) { self = .register; return }
        case 9:
            if bytes.elementsEqual("SUBSCRIBE".utf8) { self = .subscribe; return }
        default: break
        }
        self.rawValue = String(decoding: bytes, as: UTF8.self)
    }
}
