import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message the transport could not send: the kernel refused the datagram (`EHOSTUNREACH`, `ENETUNREACH`,
/// `EACCES`, `EINVAL`, ...), or the channel failed to write it. RFC 3261 §18.4 has the transport tell the
/// transaction layer, which ends the transaction (§17.1.1.2, §17.1.2.2, §17.2.4), so the call fails with the reason
/// instead of waiting out its timers.
public struct SendFailure: Sendable {
    public let bytes: [UInt8]
    public let destination: SocketAddress
    /// The system's words for the error, e.g. "Invalid argument".
    public let reason: String

    public init(bytes: [UInt8], destination: SocketAddress, reason: String) {
        self.bytes = bytes
        self.destination = destination
        self.reason = reason
    }

    init(bytes: UnsafeRawBufferPointer, destination: SocketAddress, errno code: CInt) {
        self.init(bytes: Array(bytes), destination: destination, reason: String(cString: strerror(code)))
    }
}
