import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A callee on a UDP socket of 127.0.0.1 that answers INVITE as a script says, breaking one rule at a time, and
/// records every request it receives: the misbehaving peers the engine must end its calls with properly.
///
/// It behaves as a UAS does except where the script bends it: 100, 180 and 200 to an INVITE (each may be rewritten,
/// or left out), the 200 re-sent at T1 doubling until an ACK or a BYE comes (RFC 3261 §13.3.1.4, bounded), 200 to
/// BYE, 200 to CANCEL and 487 to the INVITE it cancels (§9.2). Runs on a thread of its own until `stop()`.
final class ScriptedUAS: @unchecked Sendable {
    // @unchecked: the socket and the script are read on the peer's thread only; `log` is behind a mutex.

    /// A response as the script sees it: the status line and the header lines, in order.
    struct Response {
        var statusLine: String
        var headers: [(name: String, value: String)]
        var body = ""

        mutating func replace(_ name: String, with value: String) {
            headers = headers.map { $0.name == name ? (name, value) : $0 }
        }
        mutating func remove(_ name: String) { headers.removeAll { $0.name == name } }
        func value(_ name: String) -> String? { headers.first { $0.name == name }?.value }

        var text: String {
            var lines = [statusLine] + headers.map { "\($0.name): \($0.value)" }
            if !headers.contains(where: { $0.name == "Content-Length" }) { lines.append("Content-Length: \(body.utf8.count)") }
            return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
        }
    }

    struct Script: Sendable {
        /// Rewrites the 180 (nil: send it as it is); `sendRinging: false` leaves it out.
        var ringing: (@Sendable (inout Response) -> Void)?
        var sendRinging = true
        /// Rewrites the 200 to the INVITE; `answer: false` never answers (after 100 and 180).
        var ok: (@Sendable (inout Response) -> Void)?
        var answer = true
        /// Datagrams sent just before the 200 (text as it is, CRLF not added).
        var before200: [String] = []
        /// A second 200 with another To tag after the first (a forking proxy's two branches).
        var fork = false
        /// Re-sends the 200 even after the ACK (a peer that ignores ACKs).
        var ignoreACK = false
        /// A final response (e.g. "486 Busy Here", with the 200's To tag) sent just before the 200, or after it.
        var finalBefore200: String?
        var finalAfter200: String?
    }

    struct Received: Sendable {
        let method: String
        let text: String
        let at: ContinuousClock.Instant
    }

    let port: Int
    private let fd: Int32
    private let script: Script
    private let t1: Duration
    private let log = Mutex<[Received]>([])
    private let sentCount = Mutex<[String: Int]>([:])
    private let running = Atomic<Bool>(true)
    private var thread: Thread?

    init(_ script: Script, t1: Duration = .milliseconds(50)) throws {
        self.script = script
        self.t1 = t1
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard fd >= 0, ok else { throw PeerFailure("cannot bind a UDP socket: errno \(errno)") }
        port = Int(UInt16(bigEndian: local.sin_port))
        let thread = Thread { [self] in serve() }
        self.thread = thread
        thread.start()
    }

    deinit { close(fd) }

    func stop() { running.store(false, ordering: .relaxed) }

    /// The requests received so far, of `method`.
    func received(_ method: String) -> [Received] { receivedAll().filter { $0.method == method } }

    /// Everything received so far, in order.
    func receivedAll() -> [Received] { log.withLock { $0 } }

    /// How often a response of this status and CSeq method was sent (`200 INVITE`, say), copies included.
    func sent(_ response: String) -> Int { sentCount.withLock { $0[response] ?? 0 } }

    // MARK: The peer's thread

    private struct Pending {
        var bytes: String
        var to: sockaddr_in
        var next: ContinuousClock.Instant
        var interval: Duration
        var left: Int
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var pending: [String: Pending] = [:]  // 200s being re-sent, by Call-ID
        var answered: Set<String> = []  // Call-IDs whose INVITE has its final response
        var invites: [String: String] = [:]  // the INVITE of each Call-ID
        while running.load(ordering: .relaxed) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 5) > 0 {
                var from = sockaddr_in()
                var len = socklen_t(MemoryLayout<sockaddr_in>.size)
                let n = withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &len) }
                }
                if n > 0 {
                    let text = String(decoding: buffer[..<n], as: UTF8.self)
                    handle(text, from: from, pending: &pending, answered: &answered, invites: &invites)
                }
            }
            let now = ContinuousClock.now
            for (callID, var p) in pending where p.next <= now {
                send(p.bytes, to: p.to)
                p.left -= 1
                p.interval = min(p.interval * 2, .seconds(4))
                p.next = now + p.interval
                pending[callID] = p.left > 0 ? p : nil
            }
        }
    }

    private func handle(_ text: String, from: sockaddr_in, pending: inout [String: Pending], answered: inout Set<String>,
                        invites: inout [String: String]) {
        let method = String(text.prefix { $0 != " " })
        guard !method.hasPrefix("SIP/") else { return }
        log.withLock { $0.append(Received(method: method, text: text, at: .now)) }
        let callID = Self.header("Call-ID", in: text) ?? ""
        switch method {
        case "INVITE":
            guard invites[callID] == nil else { return }  // a retransmission: the 200 is being re-sent anyway
            invites[callID] = text
            send(Self.response(to: text, "100 Trying", tag: nil).text, to: from)
            if script.sendRinging {
                var ringing = Self.response(to: text, "180 Ringing", tag: "uas-tag")
                script.ringing?(&ringing)
                send(ringing.text, to: from)
            }
            guard script.answer else { return }
            for datagram in script.before200 { send(datagram, to: from) }
            if let status = script.finalBefore200 { send(Self.response(to: text, status, tag: "uas-tag").text, to: from) }
            var ok = Self.response(to: text, "200 OK", tag: "uas-tag")
            ok.headers.append(("Contact", "<sip:uas@127.0.0.1:\(port)>"))
            ok.headers.append(("Content-Type", "application/sdp"))
            ok.body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
            script.ok?(&ok)
            send(ok.text, to: from)
            if let status = script.finalAfter200 { send(Self.response(to: text, status, tag: "uas-tag").text, to: from) }
            answered.insert(callID)
            pending[callID] = Pending(bytes: ok.text, to: from, next: .now + t1, interval: t1, left: 10)
            if script.fork {
                var other = ok
                other.replace("To", with: (Self.header("To", in: text) ?? "") + ";tag=fork-tag")
                send(other.text, to: from)
            }
        case "ACK":
            if !script.ignoreACK { pending[callID] = nil }
        case "BYE":
            pending[callID] = nil
            send(Self.response(to: text, "200 OK", tag: nil).text, to: from)
        case "CANCEL":
            send(Self.response(to: text, "200 OK", tag: "uas-tag").text, to: from)
            if let invite = invites[callID], !answered.contains(callID) {
                answered.insert(callID)
                send(Self.response(to: invite, "487 Request Terminated", tag: "uas-tag").text, to: from)
            }
        default:
            send(Self.response(to: text, "200 OK", tag: "uas-tag").text, to: from)
        }
    }

    private func send(_ text: String, to: sockaddr_in) {
        if text.hasPrefix("SIP/2.0 "), let method = Self.header("CSeq", in: text)?.split(separator: " ").last {
            let key = "\(text.dropFirst(8).prefix(3)) \(method)"
            sentCount.withLock { $0[key, default: 0] += 1 }
        }
        var to = to
        let bytes = Array(text.utf8)
        _ = withUnsafePointer(to: &to) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    /// A response to `request` as RFC 3261 §8.2.6.2 says: Via, From, To (with `tag` added unless it has one), Call-ID
    /// and CSeq copied.
    static func response(to request: String, _ status: String, tag: String?) -> Response {
        var headers: [(String, String)] = []
        for line in request.components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { break }
            let name = String(line[..<colon]), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name.lowercased() {
            case "via", "v": headers.append(("Via", value))
            case "from", "f": headers.append(("From", value))
            case "to", "t": headers.append(("To", tag != nil && !value.contains(";tag=") ? value + ";tag=\(tag!)" : value))
            case "call-id", "i": headers.append(("Call-ID", value))
            case "cseq": headers.append(("CSeq", value))
            default: break
            }
        }
        return Response(statusLine: "SIP/2.0 \(status)", headers: headers)
    }

    /// How many calls (distinct Call-IDs) sent `method`: a request sent again while its answer was late counts once.
    func calls(_ method: String) -> Int { Set(received(method).map { Self.header("Call-ID", in: $0.text) }).count }

    static func header(_ name: String, in text: String) -> String? {
        for line in text.components(separatedBy: "\r\n") where line.lowercased().hasPrefix(name.lowercased() + ":") {
            return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}

struct PeerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
