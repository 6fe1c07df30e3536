/// The first line of a SIP message: a Request-Line or a Status-Line (RFC 3261 §7.1, §7.2).
public enum StartLine: Sendable, Equatable {
    case request(method: SIPMethod, uri: ByteString, version: ByteString)
    case response(version: ByteString, statusCode: Int, reasonPhrase: ByteString)
}
