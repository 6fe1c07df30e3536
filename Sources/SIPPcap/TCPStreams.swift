/// Puts the payload of TCP segments back in sequence order, one direction of a connection at a time (RFC 9293
/// §3.4, §3.10.7.4): what a SIP stream framer reads (RFC 3261 §18.3).
///
/// Bytes come out once, in order: a segment ahead of the next expected byte waits until the gap fills; bytes already
/// delivered are trimmed, and a segment of nothing but those is a retransmission. SYN consumes one sequence number;
/// arithmetic wraps at 2³² (RFC 9293 §3.4.1). A direction first seen mid-stream starts at its first segment, with a
/// gap before. FIN (once what precedes it is in) and RST end a direction. What waits behind a gap is bounded
/// (`bufferLimit` bytes): past it, the gap is given up on and what waits comes out after a gap.
struct TCPStreams: Sendable {
    /// One direction of one connection.
    struct Direction: Hashable, Sendable {
        var source: PacketEndpoint
        var destination: PacketEndpoint
    }

    /// The fields of a segment that ordering needs.
    struct Segment: Sendable {
        var sequenceNumber: UInt32
        var syn = false
        var fin = false
        var rst = false
        var payload: ArraySlice<UInt8>
    }

    /// Bytes that became in order; `packetNumber` and `timestamp` are those of the packet that put them in order.
    struct Delivery: Sendable, Equatable {
        var bytes: [UInt8]
        var gapBefore: Bool
        var packetNumber: Int
        var timestamp: UInt64
    }

    enum Outcome: Sendable, Equatable {
        case delivered([Delivery])
        /// Every byte was delivered before.
        case retransmission
        /// Ahead of a gap, and a segment at the same sequence number with as many bytes already waits there.
        case retransmissionOfWaiting
        /// SYN, FIN, RST or ACK without data.
        case noPayload
        /// Ahead of a gap: waiting.
        case held
    }

    private struct Waiting: Sendable {
        var sequenceNumber: UInt32
        var bytes: ArraySlice<UInt8>
        var packetNumber: Int
        var timestamp: UInt64
    }

    private struct State: Sendable {
        /// The sequence number of the next byte to deliver.
        var next: UInt32
        var gapPending: Bool
        /// Segments ahead of `next`, in sequence order.
        var waiting: [Waiting] = []
        var waitingBytes = 0
        var finished = false
    }

    let bufferLimit: Int
    private var states: [Direction: State] = [:]

    init(bufferLimit: Int = 1 << 20) { self.bufferLimit = bufferLimit }

    /// How many directions are open.
    var count: Int { states.count }

    /// Signed distance from `b` to `a` in sequence space (RFC 9293 §3.4.1: comparisons are modulo 2³²).
    @inline(__always) static func distance(_ a: UInt32, from b: UInt32) -> Int { Int(Int32(bitPattern: a &- b)) }

    mutating func receive(_ segment: Segment, on direction: Direction, packetNumber: Int, timestamp: UInt64) -> Outcome {
        var start = segment.sequenceNumber
        if segment.syn {
            start = start &+ 1
            if states[direction]?.next != start { states[direction] = State(next: start, gapPending: false) }
        }
        if states[direction] == nil {
            guard !segment.payload.isEmpty else { return .noPayload }
            states[direction] = State(next: start, gapPending: true)
        }
        guard var state = states.removeValue(forKey: direction) else { return .noPayload }
        var out = Deliveries(packetNumber: packetNumber, timestamp: timestamp)
        var outcome = Outcome.noPayload
        if !segment.payload.isEmpty {
            let offset = Self.distance(start, from: state.next)
            if offset + segment.payload.count <= 0 {
                outcome = .retransmission
            } else if offset <= 0 {
                out.append(segment.payload.dropFirst(-offset), gap: state.gapPending)
                state.gapPending = false
                state.next = start &+ UInt32(truncatingIfNeeded: segment.payload.count)
                drain(&state, into: &out)
                outcome = .delivered([])
            } else {
                let kept = hold(Waiting(sequenceNumber: start, bytes: segment.payload, packetNumber: packetNumber,
                                        timestamp: timestamp), in: &state)
                outcome = kept ? .held : .retransmissionOfWaiting
                while state.waitingBytes > bufferLimit, let first = state.waiting.first {
                    state.next = first.sequenceNumber
                    state.gapPending = true
                    drain(&state, into: &out)
                }
            }
        }
        if segment.fin { state.finished = true }
        if segment.rst {
            flush(&state, into: &out)
        } else if !(state.finished && state.waiting.isEmpty) {
            states[direction] = state
        }
        return out.list.isEmpty ? outcome : .delivered(out.list)
    }

    /// A segment whose payload the snap length cut: its bytes are lost, so what follows comes after a gap.
    mutating func lost(_ sequenceNumber: UInt32, length: Int, on direction: Direction, packetNumber: Int,
                       timestamp: UInt64) -> [Delivery] {
        guard var state = states[direction] else { return [] }
        let end = sequenceNumber &+ UInt32(truncatingIfNeeded: length)
        guard Self.distance(sequenceNumber, from: state.next) <= 0, Self.distance(end, from: state.next) > 0 else {
            return []
        }
        state.next = end
        state.gapPending = true
        var out = Deliveries(packetNumber: packetNumber, timestamp: timestamp)
        drain(&state, into: &out)
        states[direction] = state
        return out.list
    }

    /// The end of the capture: every direction's waiting bytes, after a gap, oldest packet first.
    mutating func finish() -> [(Direction, Delivery)] {
        var all: [(Direction, Delivery)] = []
        for (direction, var state) in states where !state.waiting.isEmpty {
            var out = Deliveries(packetNumber: 0, timestamp: 0)
            flush(&state, into: &out)
            all += out.list.map { (direction, $0) }
        }
        states = [:]
        return all.sorted { $0.1.packetNumber < $1.1.packetNumber }
    }

    /// Inserts in sequence order; of two segments at one sequence number, the longer is kept. False when the one
    /// already waiting is kept: `segment` is a retransmission of it.
    private func hold(_ segment: Waiting, in state: inout State) -> Bool {
        let offset = Self.distance(segment.sequenceNumber, from: state.next)
        var index = state.waiting.count
        while index > 0 && Self.distance(state.waiting[index - 1].sequenceNumber, from: state.next) > offset { index -= 1 }
        if index > 0 && state.waiting[index - 1].sequenceNumber == segment.sequenceNumber {
            guard state.waiting[index - 1].bytes.count < segment.bytes.count else { return false }
            state.waitingBytes -= state.waiting[index - 1].bytes.count
            state.waiting.remove(at: index - 1)
            index -= 1
        }
        state.waiting.insert(segment, at: index)
        state.waitingBytes += segment.bytes.count
        return true
    }

    /// Delivers the waiting segments that are now in order, trimming what was delivered already.
    private func drain(_ state: inout State, into out: inout Deliveries) {
        while let first = state.waiting.first, Self.distance(first.sequenceNumber, from: state.next) <= 0 {
            state.waiting.removeFirst()
            state.waitingBytes -= first.bytes.count
            let offset = Self.distance(first.sequenceNumber, from: state.next)
            guard offset + first.bytes.count > 0 else { continue }
            out.append(first.bytes.dropFirst(-offset), gap: state.gapPending, from: first)
            state.gapPending = false
            state.next = first.sequenceNumber &+ UInt32(truncatingIfNeeded: first.bytes.count)
        }
    }

    /// Delivers everything waiting, each run after a gap.
    private func flush(_ state: inout State, into out: inout Deliveries) {
        while let first = state.waiting.first {
            if Self.distance(first.sequenceNumber, from: state.next) > 0 {
                state.next = first.sequenceNumber
                state.gapPending = true
            }
            drain(&state, into: &out)
        }
    }

    /// Runs of bytes being put together: contiguous bytes join the last run, bytes after a gap start a new one.
    private struct Deliveries {
        var list: [Delivery] = []
        let packetNumber: Int
        let timestamp: UInt64

        mutating func append(_ bytes: ArraySlice<UInt8>, gap: Bool, from waiting: Waiting? = nil) {
            guard !bytes.isEmpty else { return }
            if !gap, !list.isEmpty {
                list[list.count - 1].bytes.append(contentsOf: bytes)
            } else {
                // At the end of the capture no packet completes a run: it is credited to the one that carried it.
                let number = packetNumber == 0 ? waiting?.packetNumber ?? 0 : packetNumber
                let time = packetNumber == 0 ? waiting?.timestamp ?? 0 : timestamp
                list.append(Delivery(bytes: Array(bytes), gapBefore: gap, packetNumber: number, timestamp: time))
            }
        }
    }
}
