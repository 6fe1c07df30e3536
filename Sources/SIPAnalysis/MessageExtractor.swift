import SIPCore
import SIPPcap

/// What one payload held: SIP messages (one per UDP datagram, any number on a TCP stream), keep-alives, or bytes
/// that are not SIP.
public enum ExtractedItem: Sendable {
    /// The bytes of one whole SIP message, not yet parsed.
    case message([UInt8])
    /// An RFC 5626 keep-alive (CRLFCRLF or CRLF).
    case keepAlive
    /// A payload (or stream bytes) that is not SIP, with how many bytes.
    case notSIP(Int)
    /// Stream bytes that cannot be framed (RFC 3261 §18.3: no Content-Length, too large), with why.
    case unframable(String)
}

/// Cuts payloads into SIP messages: each UDP datagram is one message (RFC 3261 §18.1.1); each direction of a TCP
/// stream is framed by Content-Length (§18.3), resynchronising on the next start line after a gap.
struct MessageExtractor {
    struct Direction: Hashable {
        let source: PacketEndpoint
        let destination: PacketEndpoint
    }

    /// A direction either looks for a start line (new, or after lost bytes), keeping a partial line for the next
    /// piece and whether that starts a line (after lost bytes, nothing says it does), or frames messages.
    enum StreamState {
        case syncing([UInt8], atLineStart: Bool)
        case framing(SIPStreamFramer)
    }

    private var streams: [Direction: StreamState] = [:]
    /// The most TCP directions followed at once; beyond it one is dropped (its partial message lost).
    let maxStreams = 65_536

    mutating func extract(_ payload: CapturedPayload) -> [ExtractedItem] {
        switch payload.transport {
        case .udp:
            if SIPRecognition.isKeepAlive(payload.bytes) { return [.keepAlive] }
            return SIPRecognition.startsWithStartLine(payload.bytes) ? [.message(payload.bytes)] : [.notSIP(payload.bytes.count)]
        case .tcp:
            return extractStream(payload)
        }
    }

    private mutating func extractStream(_ payload: CapturedPayload) -> [ExtractedItem] {
        let key = Direction(source: payload.source, destination: payload.destination)
        var items: [ExtractedItem] = []
        var state = streams.removeValue(forKey: key) ?? .syncing([], atLineStart: true)
        if payload.gapBefore { state = .syncing([], atLineStart: false) }  // what was buffered cannot be completed
        var framer: SIPStreamFramer
        switch state {
        case .framing(let f):
            framer = f
            framer.append(payload.bytes)
        case .syncing(let pending, let atLineStart):
            let bytes = pending + payload.bytes
            guard let start = SIPRecognition.nextStartLine(in: bytes, atLineStart: atLineStart) else {
                // Keep the last line, which may be a start line cut short; the rest is not SIP.
                var lineStart = bytes.count
                while lineStart > 0, !(lineStart >= 2 && bytes[lineStart - 2] == ASCII.cr && bytes[lineStart - 1] == ASCII.lf) {
                    lineStart -= 1
                }
                let whole = bytes.count - lineStart <= SIPRecognition.maxStartLine
                let kept = whole ? Array(bytes[lineStart...]) : []
                if bytes.count - kept.count > pending.count { items.append(.notSIP(bytes.count - kept.count - pending.count)) }
                store(.syncing(kept, atLineStart: whole && (lineStart > 0 || atLineStart)), for: key)
                return items
            }
            if start > pending.count { items.append(.notSIP(start - pending.count)) }
            framer = SIPStreamFramer()
            framer.append(bytes[start...])
        }
        while true {
            do {
                switch try framer.parseStep() {
                case .insufficientData:
                    store(.framing(framer), for: key)
                    return items
                case .keepAlivePing, .keepAlivePong:
                    items.append(.keepAlive)
                case .message(let message):
                    items.append(SIPRecognition.startsWithStartLine(message) ? .message(message) : .notSIP(message.count))
                }
            } catch {
                // The stream cannot be framed past this point; what follows is picked up at the next start line.
                items.append(.unframable(error.description))
                store(.syncing([], atLineStart: false), for: key)
                return items
            }
        }
    }

    private mutating func store(_ state: StreamState, for key: Direction) {
        if streams.count >= maxStreams, let any = streams.keys.first { streams[any] = nil }
        streams[key] = state
    }
}
