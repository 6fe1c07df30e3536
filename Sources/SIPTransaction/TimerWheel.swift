/// A hashed timer wheel (Varghese & Lauck, "scheme 6"): O(1) schedule, expiry in deadline order, any horizon.
///
/// Time is cut into ticks of `resolution`; tick `k` covers `((k-1)·res, k·res]` and is due once the clock reaches
/// `k·res`. A timer goes in slot `tick % slotCount`; a slot holds timers of every later round too, each
/// remembering its tick, so deadlines minutes away need no second level — they are passed over once per rotation.
/// Timers live in one pooled node array with intrusive lists (no allocation per timer once the pool has grown,
/// and nothing to remove on cancel: the transactions ignore fires they no longer want).
///
/// Guarantees:
/// - never early: a timer fires in the first `advance(to:)` whose `now` is at or after its deadline rounded up
///   to the resolution, so at most one resolution (plus the caller's advance interval) late;
/// - ordering: timers fire in tick order; timers in the same tick fire in the order they were scheduled (so two
///   deadlines less than one resolution apart may fire in scheduling order, not deadline order);
/// - a deadline at or before the last tick already processed fires in the next tick.
///
/// A value type meant to be owned by one event loop and mutated in place; copying it copies its arrays.
public struct TimerWheel<Payload: Sendable>: Sendable {
    /// Nanoseconds per tick.
    public let resolution: UInt64
    public var slotCount: Int { heads.count }
    /// Timers scheduled and not yet fired.
    public private(set) var count = 0

    private struct Node: Sendable {
        var tick: UInt64
        var next: Int32
        var payload: Payload?
    }

    private var heads: [Int32]
    private var tails: [Int32]
    private var nodes: [Node] = []
    private var free: Int32 = -1
    private let mask: UInt64
    /// Every tick before this one has been processed.
    private var nextTick: UInt64

    /// - Parameters:
    ///   - resolution: tick length, e.g. 1–10 ms.
    ///   - slots: rounded up to a power of two; `slots · resolution` is one rotation (4096 × 1 ms ≈ 4 s).
    ///   - start: the clock's current reading.
    public init(resolution: Duration = .milliseconds(1), slots: Int = 4096, start: SIPInstant = .zero) {
        let res = max(resolution.nanoseconds, 1)
        var n = 1
        while n < max(slots, 1) { n <<= 1 }
        self.resolution = res
        self.mask = UInt64(n - 1)
        self.heads = Array(repeating: -1, count: n)
        self.tails = Array(repeating: -1, count: n)
        self.nextTick = start.nanoseconds / res
    }

    public var isEmpty: Bool { count == 0 }

    /// Nodes allocated so far (fired ones are reused): the high-water mark of live timers.
    public var poolSize: Int { nodes.count }

    /// The instant at which the next unprocessed tick becomes due: a lower bound for the next fire.
    public var nextTickInstant: SIPInstant {
        let (v, o) = nextTick.multipliedReportingOverflow(by: resolution)
        return SIPInstant(nanoseconds: o ? .max : v)
    }

    /// Schedules `payload` to fire at `deadline`. O(1).
    public mutating func schedule(_ payload: Payload, at deadline: SIPInstant) {
        let d = deadline.nanoseconds
        var tick = d / resolution + (d % resolution == 0 ? 0 : 1)  // round up: never early
        if tick < nextTick { tick = nextTick }
        let index: Int32
        if free >= 0 {
            index = free
            free = nodes[Int(index)].next
            nodes[Int(index)] = Node(tick: tick, next: -1, payload: payload)
        } else {
            index = Int32(nodes.count)
            nodes.append(Node(tick: tick, next: -1, payload: payload))
        }
        let slot = Int(tick & mask)
        if tails[slot] >= 0 { nodes[Int(tails[slot])].next = index } else { heads[slot] = index }
        tails[slot] = index
        count += 1
    }

    /// Schedules `payload` to fire `delay` after `now` — the form transactions' `.schedule` actions take.
    public mutating func schedule(_ payload: Payload, after delay: Duration, from now: SIPInstant) {
        schedule(payload, at: now + delay)
    }

    /// Processes every tick due at `now`, appending the payloads that fire to `fired` in firing order. Reusing
    /// `fired` across calls avoids allocation; scheduling while handling them is fine, as `fired` is a copy.
    public mutating func advance(to now: SIPInstant, into fired: inout [Payload]) {
        let last = now.nanoseconds / resolution
        while nextTick <= last {
            if count == 0 { nextTick = last + 1; return }
            let tick = nextTick
            let slot = Int(tick & mask)
            var prev: Int32 = -1
            var i = heads[slot]
            while i >= 0 {
                let next = nodes[Int(i)].next
                if nodes[Int(i)].tick <= tick {
                    fired.append(nodes[Int(i)].payload!)
                    if prev >= 0 { nodes[Int(prev)].next = next } else { heads[slot] = next }
                    if tails[slot] == i { tails[slot] = prev }
                    nodes[Int(i)].payload = nil
                    nodes[Int(i)].next = free
                    free = i
                    count -= 1
                } else {
                    prev = i
                }
                i = next
            }
            nextTick = tick + 1
        }
    }

    /// Processes every tick due at `now` and returns the payloads that fired, in firing order.
    public mutating func advance(to now: SIPInstant) -> [Payload] {
        var fired: [Payload] = []
        advance(to: now, into: &fired)
        return fired
    }
}
