import SIPCore

/// What a `CallIDTable` holds: a value that knows its Call-ID.
protocol CallIDKeyed {
    var callID: ByteString { get }
}

/// Values by Call-ID: what a shard finds each message's call by, and each ended call's lingering answers.
///
/// A `Dictionary` keyed by `ByteString` hashes every Call-ID with SipHash, about 2% of a caller's CPU at 10,000
/// calls/s (one lookup per message, an insert and a removal per call). This table hashes the bytes a word at a time
/// with a multiply-and-shift mix seeded per table. Each slot holds the value and its key's hash, not the key (the
/// value has it): at a few hundred thousand calls the table does not fit in the cache, and one slot is one cache
/// miss where a dictionary's key, value and occupancy bitmap are three. A probe reads the key only on a hash match.
/// Open addressing with linear probing; a removal shifts the rest of its run back, so no tombstones build up over
/// millions of calls.
///
/// A Call-ID this shard made (`IdentifierGenerator.callID(host:)`: the generator's prefix, a base-36 number, `@`) is
/// not mixed: its number is its hash. Numbers grow call by call, so the calls in progress lie close together in the
/// table, in a few hundred kilobytes the cache keeps, however large the table was made for calls that linger.
///
/// Neither placement is a keyed hash: a peer that knew the seed, or sent Call-IDs in the shard's own form (its tags
/// show the prefix), could make Call-IDs that collide, and its own lookups slow. The seed is random per table and
/// never leaves the process.
struct CallIDTable<Value: CallIDKeyed> {
    /// A value and its key's hash; `hash` is 0 in an empty slot (a key never hashes to 0; see `hash`).
    private struct Slot {
        var hash: UInt32 = 0
        var value: Value?
    }

    private var slots: [Slot]
    private var mask: Int
    private let seed: UInt64
    /// The prefix of the Call-IDs hashed by their number, empty for none.
    private let localPrefix: [UInt8]
    private(set) var count = 0

    init(localPrefix: [UInt8] = [], seed: UInt64 = .random(in: 0 ... .max)) {
        self.localPrefix = localPrefix
        self.seed = seed
        slots = Array(repeating: Slot(), count: 8)
        mask = 7
    }

    var isEmpty: Bool { count == 0 }

    /// The values, in no particular order.
    var values: [Value] { slots.compactMap(\.value) }

    /// Room for `n` values without growing.
    mutating func reserveCapacity(_ n: Int) {
        var wanted = slots.count
        while wanted / 4 * 3 < n { wanted *= 2 }
        if wanted > slots.count { rehash(slotCount: wanted) }
    }

    /// The value whose Call-ID is `key`.
    subscript(key: ByteString) -> Value? {
        let h = hash(key)
        guard let i = find(key, h) else { return nil }
        return slots[i].value
    }

    /// Adds `value` under its Call-ID, or replaces the value that has that Call-ID.
    mutating func insert(_ value: Value) {
        let key = value.callID
        let h = hash(key)
        if let i = find(key, h) {
            slots[i].value = value
            return
        }
        if count >= slots.count / 4 * 3 { rehash(slotCount: slots.count * 2) }  // keeps the load at most 3/4
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i].hash != 0 { i = (i + 1) & mask }
        slots[i] = Slot(hash: h, value: value)
        count += 1
    }

    /// Removes the value whose Call-ID is `key`, if there is one, when `which` says so.
    mutating func remove(_ key: ByteString, if which: (Value) -> Bool = { _ in true }) {
        if let i = find(key, hash(key)), which(slots[i].value!) { remove(at: i) }
    }

    private func find(_ key: ByteString, _ h: UInt32) -> Int? {
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slotHash = slots[i].hash
            if slotHash == 0 { return nil }
            if slotHash == h, slots[i].value!.callID == key { return i }
            i = (i + 1) & mask
        }
    }

    /// Empties slot `i`, then moves back each later value of the run that would no longer be found past the gap
    /// (backward-shift deletion).
    private mutating func remove(at i: Int) {
        var gap = i
        var j = i
        while true {
            j = (j + 1) & mask
            let h = slots[j].hash
            if h == 0 { break }
            let home = Int(truncatingIfNeeded: h) & mask
            // The value at j stays if its home lies cyclically in (gap, j]: probing from home reaches j before the gap.
            let stays = gap <= j ? (gap < home && home <= j) : (gap < home || home <= j)
            if stays { continue }
            slots.swapAt(gap, j)
            gap = j
        }
        slots[gap] = Slot()
        count -= 1
    }

    private mutating func rehash(slotCount: Int) {
        let old = slots
        slots = Array(repeating: Slot(), count: slotCount)
        mask = slotCount - 1
        for slot in old where slot.hash != 0 {
            var i = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[i].hash != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }

    /// Never 0: the number of a local Call-ID, else the mix of its bytes.
    func hash(_ key: ByteString) -> UInt32 {
        let h = localNumber(key).map { UInt32(truncatingIfNeeded: $0) } ?? mix(key)
        return h == 0 ? 1 : h
    }

    /// The number of a Call-ID that is `localPrefix`, base-36 digits (lower case, as `MessageWriter` writes them)
    /// and `@`; nil for any other.
    private func localNumber(_ key: ByteString) -> UInt64? {
        guard !localPrefix.isEmpty, key.count > localPrefix.count + 1 else { return nil }
        return key.bytes.withUnsafeBufferPointer { b -> UInt64? in
            for k in localPrefix.indices where b[k] != localPrefix[k] { return nil }
            var n: UInt64 = 0
            var i = localPrefix.count
            while i < b.count, i < localPrefix.count + 13 {
                let c = b[i]
                let digit: UInt8
                switch c {
                case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = c &- UInt8(ascii: "0")
                case UInt8(ascii: "a") ... UInt8(ascii: "z"): digit = c &- UInt8(ascii: "a") &+ 10
                case ASCII.at: return i > localPrefix.count ? n : nil
                default: return nil
                }
                n = n &* 36 &+ UInt64(digit)
                i += 1
            }
            return nil
        }
    }

    /// The key's bytes, eight at a time, each word mixed in by a multiply and a shift.
    private func mix(_ key: ByteString) -> UInt32 {
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h = seed ^ (UInt64(truncatingIfNeeded: key.count) &* k)
        key.bytes.withUnsafeBytes { raw in
            var i = 0
            while i + 8 <= raw.count {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
                h ^= h >> 29
                i += 8
            }
            if i < raw.count {
                var tail: UInt64 = 0
                var shift: UInt64 = 0
                while i < raw.count {
                    tail |= UInt64(raw[i]) << shift
                    shift += 8
                    i += 1
                }
                h = (h ^ tail) &* k
                h ^= h >> 29
            }
        }
        h = (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }
}
