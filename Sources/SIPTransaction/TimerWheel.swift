/// A two-level hashed timer wheel: O(1) schedule, each timer touched at most three times, any horizon.
///
/// Time is cut into ticks of `resolution`; tick `k` covers `((k-1)·res, k·res]` and is due once the clock reaches
/// `k·res`. Ticks are grouped in blocks of `slotCount` ticks.
/// - Level 0 has one slot per tick of the current window: a timer less than `slotCount` ticks away goes straight
///   into the slot of its tick, which is not visited again before that tick.
/// - Level 1 has one slot per block. A farther timer waits there; when its block starts, the whole slot is moved
///   (cascaded) into level 0. Blocks more than `slotCount` blocks away share slots (Varghese–Lauck "rounds"),
///   passed over once per `slotCount²` ticks (4096² × 1 ms ≈ 4.7 h).
///
/// Timers live in one pooled node array with intrusive doubly linked lists: no allocation per timer once the pool
/// has grown. `schedule` returns a handle that `cancel` takes to free a timer's node (and let go of its payload) at
/// once, in O(1); a timer left alone fires and its owner ignores it, as transactions do with timers they no longer
/// want.
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
    public let resolution: UInt64  // nanoseconds
    public var slotCount: Int { heads0.count }
    /// Timers scheduled and not yet fired.
    @inlinable public var count: Int { live }
    @usableFromInline var live = 0
    /// Timers in level 0.
    @usableFromInline var nearCount = 0

    @usableFromInline struct Node: Sendable {
        @usableFromInline var tick: UInt64
        @usableFromInline var next: Int32
        @usableFromInline var prev: Int32 = -1
        /// Bumped each time the node is given to a timer, so a handle to an earlier timer of the node cancels nothing.
        @usableFromInline var serial: UInt32
        /// Whether the node is in a level-1 list (else level 0, or free).
        @usableFromInline var far = false
        @usableFromInline var payload: Payload?

        @inlinable init(tick: UInt64, next: Int32, serial: UInt32, payload: Payload?) {
            self.tick = tick
            self.next = next
            self.serial = serial
            self.payload = payload
        }
    }

    /// A scheduled timer, for `cancel`. Stays harmless once the timer has fired or been cancelled.
    public struct Handle: Sendable, Hashable {
        @usableFromInline let index: Int32
        @usableFromInline let serial: UInt32

        @inlinable init(index: Int32, serial: UInt32) {
            self.index = index
            self.serial = serial
        }

        /// A handle to no timer, which `cancel` ignores.
        @inlinable public static var none: Handle { Handle(index: -1, serial: 0) }
    }

    @usableFromInline var heads0: [Int32], tails0: [Int32]
    @usableFromInline var heads1: [Int32], tails1: [Int32]
    /// Per level-0 slot, the last node cascaded into it during the current cascade (-1 otherwise).
    @usableFromInline var cascadeTail: [Int32]
    @usableFromInline var nodes: [Node] = []
    @usableFromInline var free: Int32 = -1
    @usableFromInline let shift: UInt64
    @usableFromInline let mask: UInt64
    /// Every tick before this one has been processed.
    @usableFromInline var nextTick: UInt64

    /// - Parameters:
    ///   - resolution: tick length, e.g. 1–10 ms.
    ///   - slots: slots per level, rounded up to a power of two; one block is `slots · resolution`.
    ///   - start: the clock's current reading.
    public init(resolution: Duration = .milliseconds(1), slots: Int = 4096, start: SIPInstant = .zero) {
        let res = max(resolution.nanoseconds, 1)
        var n = 2, s: UInt64 = 1
        while n < slots { n <<= 1; s += 1 }
        self.resolution = res
        self.shift = s
        self.mask = UInt64(n - 1)
        self.heads0 = Array(repeating: -1, count: n)
        self.tails0 = heads0
        self.heads1 = heads0
        self.tails1 = heads0
        self.cascadeTail = heads0
        self.nextTick = start.nanoseconds / res
    }

    @inlinable public var isEmpty: Bool { live == 0 }

    /// Nodes allocated so far (fired ones are reused): the high-water mark of live timers.
    public var poolSize: Int { nodes.count }

    /// The instant at which the next unprocessed tick becomes due: a lower bound for the next fire.
    public var nextTickInstant: SIPInstant {
        let (v, o) = nextTick.multipliedReportingOverflow(by: resolution)
        return SIPInstant(nanoseconds: o ? .max : v)
    }

    /// Schedules `payload` to fire at `deadline`. O(1).
    @inlinable @discardableResult
    public mutating func schedule(_ payload: consuming Payload, at deadline: SIPInstant) -> Handle {
        let d = deadline.nanoseconds
        var tick = d / resolution + (d % resolution == 0 ? 0 : 1)  // round up: never early
        if tick < nextTick { tick = nextTick }
        let index: Int32
        let serial: UInt32
        if free >= 0 {
            index = free
            free = nodes[Int(index)].next
            serial = nodes[Int(index)].serial &+ 1
            nodes[Int(index)] = Node(tick: tick, next: -1, serial: serial, payload: payload)
        } else {
            index = Int32(nodes.count)
            serial = 0
            nodes.append(Node(tick: tick, next: -1, serial: serial, payload: payload))
        }
        if tick - nextTick <= mask {
            appendNear(index, slot: Int(tick & mask))
            nearCount += 1
        } else {
            appendFar(index, slot: Int((tick >> shift) & mask))
        }
        live += 1
        return Handle(index: index, serial: serial)
    }

    /// Schedules `payload` to fire `delay` after `now` — the form transactions' `.schedule` actions take.
    @inlinable @discardableResult
    public mutating func schedule(_ payload: consuming Payload, after delay: Duration, from now: SIPInstant) -> Handle {
        schedule(payload, at: now + delay)
    }

    /// Takes out the timer `handle` names, if it has neither fired nor been cancelled, freeing its node and its
    /// payload. O(1). Returns whether it did.
    @inlinable @discardableResult
    public mutating func cancel(_ handle: Handle) -> Bool {
        let i = Int(handle.index)
        guard i >= 0, i < nodes.count, nodes[i].serial == handle.serial, nodes[i].payload != nil else { return false }
        // The links only: a copy of the node would copy its payload too (a reference counted, for a payload that
        // holds one).
        let node = (far: nodes[i].far, tick: nodes[i].tick, prev: nodes[i].prev, next: nodes[i].next)
        if node.far {
            let slot = Int((node.tick >> shift) & mask)
            if node.prev >= 0 { nodes[Int(node.prev)].next = node.next } else { heads1[slot] = node.next }
            if node.next >= 0 { nodes[Int(node.next)].prev = node.prev } else { tails1[slot] = node.prev }
        } else {
            let slot = Int(node.tick & mask)
            if node.prev >= 0 { nodes[Int(node.prev)].next = node.next } else { heads0[slot] = node.next }
            if node.next >= 0 { nodes[Int(node.next)].prev = node.prev } else { tails0[slot] = node.prev }
            nearCount -= 1
        }
        nodes[i].payload = nil
        nodes[i].next = free
        nodes[i].prev = -1
        nodes[i].far = false
        free = handle.index
        live -= 1
        return true
    }

    /// Processes every tick due at `now`, appending the payloads that fire to `fired` in firing order. Reusing
    /// `fired` across calls avoids allocation; scheduling while handling them is fine, as `fired` is a copy.
    @inlinable public mutating func advance(to now: SIPInstant, into fired: inout [Payload]) {
        let last = now.nanoseconds / resolution
        while nextTick <= last {
            if live == 0 { nextTick = last + 1; return }
            if nextTick & mask == 0 { cascade(block: nextTick >> shift) }
            if nearCount == 0 {  // nothing in this block: go to the next block start
                let nextBlock = (nextTick | mask) &+ 1
                if nextBlock > last || nextBlock == 0 { nextTick = last + 1; return }
                nextTick = nextBlock
                continue
            }
            let slot = Int(nextTick & mask)
            var i = heads0[slot]
            heads0[slot] = -1
            tails0[slot] = -1
            while i >= 0 {
                let next = nodes[Int(i)].next
                fired.append(nodes[Int(i)].payload.take()!)
                nodes[Int(i)].next = free
                free = i
                live -= 1
                nearCount -= 1
                i = next
            }
            nextTick += 1
        }
    }

    /// Processes every tick due at `now` and returns the payloads that fired, in firing order.
    public mutating func advance(to now: SIPInstant) -> [Payload] {
        var fired: [Payload] = []
        advance(to: now, into: &fired)
        return fired
    }

    // MARK: -

    @inlinable mutating func appendNear(_ index: Int32, slot: Int) {
        if tails0[slot] >= 0 { nodes[Int(tails0[slot])].next = index } else { heads0[slot] = index }
        nodes[Int(index)].prev = tails0[slot]
        tails0[slot] = index
    }

    @inlinable mutating func appendFar(_ index: Int32, slot: Int) {
        if tails1[slot] >= 0 { nodes[Int(tails1[slot])].next = index } else { heads1[slot] = index }
        nodes[Int(index)].prev = tails1[slot]
        nodes[Int(index)].far = true
        tails1[slot] = index
    }

    /// Moves the level-1 timers of `block` into level 0, ahead of the timers already there for the same tick
    /// (they were scheduled earlier), keeping their own order.
    @usableFromInline mutating func cascade(block: UInt64) {
        let slot1 = Int(block & mask)
        var prev: Int32 = -1
        var i = heads1[slot1]
        var moved = false
        while i >= 0 {
            let next = nodes[Int(i)].next
            let tick = nodes[Int(i)].tick
            if tick >> shift == block {
                if prev >= 0 { nodes[Int(prev)].next = next } else { heads1[slot1] = next }
                if next >= 0 { nodes[Int(next)].prev = prev } else { tails1[slot1] = prev }
                let s0 = Int(tick & mask)
                let after = cascadeTail[s0]
                let following: Int32
                if after >= 0 {
                    following = nodes[Int(after)].next
                    nodes[Int(after)].next = i
                } else {
                    following = heads0[s0]
                    heads0[s0] = i
                }
                nodes[Int(i)].next = following
                nodes[Int(i)].prev = after
                nodes[Int(i)].far = false
                if following >= 0 { nodes[Int(following)].prev = i } else { tails0[s0] = i }
                cascadeTail[s0] = i
                nearCount += 1
                moved = true
            } else {
                prev = i
            }
            i = next
        }
        if moved {
            for k in cascadeTail.indices { cascadeTail[k] = -1 }
        }
    }
}
