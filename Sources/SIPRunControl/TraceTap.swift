import Foundation
import NIOCore
import SIPTransport
import Synchronization

/// `--trace FILE`: every SIP message sent and received, as text — one header line (time, call, direction,
/// transport, addresses, the rules found on it), then the message, then a blank line:
///
///     2026-12-07T11:51:08.123456Z call 17 sent UDP 127.0.0.1:5070 -> 127.0.0.1:5060
///     INVITE sip:service@127.0.0.1:5060 SIP/2.0
///     …
///
/// Recording is quick and thread-safe (the shards' event loops share it): a message is formatted and appended to a
/// buffer under a lock; full buffers are written by a queue of the tap's own, off the event loops. `flush()` writes
/// what is buffered and returns when it is on disk.
public final class TraceTap: SIPTap, @unchecked Sendable {
    // @unchecked: `handle` is written only on `queue`; `buffer` is behind its mutex.
    private let buffer = Mutex<[UInt8]>([])
    private let queue = DispatchQueue(label: "sipflow.trace")
    private let handle: FileHandle
    private let closesHandle: Bool
    /// Buffered bytes that make a write go to the queue.
    static let chunk = 64 << 10

    /// Opens (truncates) `path`; `-` is standard error. Throws a one-line error naming the file.
    public init(path: String) throws {
        if path == "-" {
            handle = FileHandle.standardError
            closesHandle = false
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw TraceError("--trace: cannot create '\(path)': \(String(cString: strerror(errno)))")
            }
            handle = h
            closesHandle = true
        }
    }

    public struct TraceError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public func record(_ event: SIPTapEvent) {
        var text = Self.header(event)
        text += "\n"
        var bytes = Array(text.utf8)
        bytes += event.bytes
        if event.bytes.last != 10 { bytes += [13, 10] }
        bytes += [13, 10]
        let full: [UInt8]? = buffer.withLock { b in
            b += bytes
            guard b.count >= Self.chunk else { return nil }
            defer { b = [] }
            return b
        }
        if let full { queue.async { [handle] in handle.write(Data(full)) } }
    }

    public func flush() {
        let rest = buffer.withLock { b in defer { b = [] }; return b }
        queue.sync { [handle] in
            if !rest.isEmpty { handle.write(Data(rest)) }
            try? handle.synchronize()
        }
    }

    /// Flushes and closes the file.
    public func close() {
        flush()
        if closesHandle { queue.sync { [handle] in try? handle.close() } }
    }

    /// `2026-12-07T11:51:08.123456Z call 17 sent UDP 127.0.0.1:5070 -> 127.0.0.1:5060 (rules: a, b)`. Calls are
    /// numbered from 1, as the reports number them.
    static func header(_ e: SIPTapEvent) -> String {
        let seconds = time_t(e.timestamp / 1_000_000_000)
        var tm = tm()
        var s = seconds
        gmtime_r(&s, &tm)
        let micros = (e.timestamp % 1_000_000_000) / 1000
        let stamp = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06lluZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                           tm.tm_hour, tm.tm_min, tm.tm_sec, micros)
        let call = e.call.map { "call \($0 + 1)" } ?? "no call"
        let (from, to) = e.direction == .sent ? (e.local, e.remote) : (e.remote, e.local)
        let arrow = e.direction == .sent ? "sent" : "received"
        let rules = e.rules.isEmpty ? "" : " (rules: \(e.rules.joined(separator: ", ")))"
        return "\(stamp) \(call) \(arrow) \(e.transport.rawValue) \(from.hostPort) -> \(to.hostPort)\(rules)"
    }
}
