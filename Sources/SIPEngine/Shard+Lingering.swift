import NIOCore
import SIPCore
import SIPTransaction
import SIPTransport

/// What an ended call leaves behind while its non-INVITE server transactions wait out timer J (RFC 3261 §17.2.2,
/// 64·T1): for each, the final response to send again when the request is retransmitted.
///
/// A callee at 10,000 calls/s has 320,000 calls in timer J at once (a BYE's 200 waits 32 s). Held as whole calls
/// they took about 2 KB each; this keeps only the response and what matches its request (see
/// `Call.releaseIfQuiet(at:)`).
struct LingeringCall: CallIDKeyed {
    struct Answer {
        let method: SIPMethod
        /// The top Via branch of the request answered (retransmissions carry the same one, §17.2.3).
        let branch: ByteString
        let response: [UInt8]
        let destination: Destination
    }

    let callID: ByteString
    /// The number of the call it was (for the tap).
    let number: Int
    let answers: [Answer]
    /// When timer J has ended for all of them.
    let until: SIPInstant
}

/// Lingering calls in the order they end. Each waits the same 64·T1 from when it was added, so the oldest ends
/// first: a queue, not a timer each.
struct LingeringOrder {
    private var entries: [(callID: ByteString, until: SIPInstant)] = []
    private var head = 0

    var first: (callID: ByteString, until: SIPInstant)? { head < entries.count ? entries[head] : nil }

    mutating func append(_ callID: ByteString, until: SIPInstant) { entries.append((callID, until)) }

    mutating func removeFirst() {
        head += 1
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096, head * 2 >= entries.count {
            entries.removeFirst(head)  // the consumed half, in one move
            head = 0
        }
    }
}

extension Shard {
    /// How late a lingering call may be forgotten: its end arms the tick no sooner than this, so that ending calls
    /// do not each wake an otherwise idle shard.
    static let lingeringResolution = Duration.milliseconds(100)

    /// Keeps `answers` of the call `callID`, which has ended and let go of its state, until timer J ends.
    func linger(callID: ByteString, number: Int, answers: [LingeringCall.Answer], at now: SIPInstant) {
        let until = now + transactions.duration(of: .timerJ)
        lingering.insert(LingeringCall(callID: callID, number: number, answers: answers, until: until))
        lingeringOrder.append(callID, until: until)
        armTick(at: Swift.max(until, now + Shard.lingeringResolution))
    }

    /// A message of a call that has ended and lingers: a retransmitted request gets its final response again
    /// (RFC 3261 §17.2.2); anything else is dropped, as the ended call dropped it.
    func answerAgain(_ message: SIPMessage, _ ended: LingeringCall) {
        guard let method = message.method, let branch = message.topViaBranch,
              let answer = ended.answers.first(where: { $0.method == method && $0.branch == branch }) else { return }
        send(answer.response, to: answer.destination, call: ended.number)
    }

    /// Forgets the lingering calls whose timer J has ended (not a newer call that reuses a Call-ID).
    func forgetLingering(at now: SIPInstant) {
        while let (callID, until) = lingeringOrder.first, until <= now {
            lingeringOrder.removeFirst()
            lingering.remove(callID) { $0.until == until }
        }
    }
}
