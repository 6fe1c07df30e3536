/// A header value or URI that does not follow the RFC 3261 grammar (§25.1), with a sentence saying how.
public struct SIPSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
