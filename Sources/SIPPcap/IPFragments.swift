/// Reassembles fragmented IP datagrams, IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) alike: fragments in any
/// order, duplicates and overlaps tolerated (a later copy of a byte overwrites an earlier one), with bounded memory.
///
/// A datagram is keyed by source, destination, identification and protocol. At most `capacity` datagrams wait;
/// one that would exceed that pushes out the oldest, and one whose first fragment is older than `lifetime` of capture
/// time is given up on (RFC 791 suggests a timer of this order; Linux uses 30 s). Given-up datagrams come back from
/// `add` or `evict` as `Abandoned`, for a `fragmentIncomplete` report.
struct IPFragments: Sendable {
    struct Key: Hashable, Sendable {
        var source: PacketEndpoint.Address
        var destination: PacketEndpoint.Address
        var identification: UInt32
        var protocolNumber: UInt8
    }

    /// A datagram given up on: when its first fragment came, and how much of it had.
    struct Abandoned: Sendable, Equatable {
        var firstPacketNumber: Int
        var fragments: Int
        var bytesHeld: Int
        var reason: String
    }

    /// What adding one fragment did.
    enum Outcome: Sendable {
        case held
        /// The whole payload, the fragment that completed it being the last one added.
        case complete([UInt8])
        /// The fragment cannot belong to any datagram (its end past 65,535 bytes).
        case rejected(String)
    }

    fileprivate struct Pending: Sendable {
        var data: [UInt8] = []
        /// Byte ranges of `data` that fragments filled, sorted and merged.
        var filled: [Range<Int>] = []
        /// The payload's length, once the last fragment (no More Fragments) came.
        var total: Int?
        var firstPacketNumber: Int
        var firstSeen: UInt64
        var fragments = 0
        var serial: Int
    }

    let capacity: Int
    let lifetime: UInt64
    private var pending: [Key: Pending] = [:]
    /// Keys in the order their datagrams started, with the serial they started with (stale entries are skipped).
    private var order: [(key: Key, serial: Int)] = []
    private var orderHead = 0
    private var nextSerial = 0

    init(capacity: Int = 1_000, lifetime: UInt64 = 30_000_000_000) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    /// How many datagrams wait for fragments.
    var count: Int { pending.count }

    /// Adds a fragment's `data`, at byte `offset` of the datagram's payload.
    mutating func add(_ key: Key, offset: Int, moreFragments: Bool, data: ArraySlice<UInt8>,
                      packetNumber: Int, timestamp: UInt64, abandoned: inout [Abandoned]) -> Outcome {
        let end = offset + data.count
        guard end <= 65_535 else { return .rejected("a fragment ends at byte \(end), past 65,535") }
        if pending[key] == nil {
            while pending.count >= capacity, let oldest = popOldest() {
                abandoned.append(oldest.abandoned("more than \(capacity) datagrams were in reassembly"))
            }
            pending[key] = Pending(firstPacketNumber: packetNumber, firstSeen: timestamp, serial: nextSerial)
            order.append((key, nextSerial))
            nextSerial += 1
        }
        guard var datagram = pending[key] else { return .held }
        pending[key] = nil  // edited outside the dictionary, so its buffer is not copied
        if datagram.data.count < end { datagram.data.append(contentsOf: repeatElement(0, count: end - datagram.data.count)) }
        datagram.data.replaceSubrange(offset..<end, with: data)
        datagram.fragments += 1
        if !moreFragments && datagram.total == nil { datagram.total = end }
        if !data.isEmpty { datagram.filled = Self.merged(datagram.filled, offset..<end) }
        if let total = datagram.total, total == 0 || (datagram.filled.first.map { $0.lowerBound == 0 && $0.upperBound >= total } ?? false) {
            return .complete(Array(datagram.data[0..<total]))
        }
        pending[key] = datagram
        return .held
    }

    /// Gives up on datagrams whose first fragment is older than `lifetime` at capture time `now`.
    mutating func evict(before now: UInt64, into abandoned: inout [Abandoned]) {
        while orderHead < order.count {
            let (key, serial) = order[orderHead]
            guard let datagram = pending[key], datagram.serial == serial else { orderHead += 1; continue }
            guard now > datagram.firstSeen && now - datagram.firstSeen > lifetime else { break }
            pending[key] = nil
            orderHead += 1
            abandoned.append(datagram.abandoned("its fragments did not complete within \(lifetime / 1_000_000_000) s"))
        }
        compactOrder()
    }

    /// Gives up on every datagram still waiting (the end of the capture), first started first.
    mutating func finish() -> [Abandoned] {
        var all: [Abandoned] = []
        while let oldest = popOldest() { all.append(oldest.abandoned("the capture ended before its fragments did")) }
        return all
    }

    private mutating func popOldest() -> Pending? {
        while orderHead < order.count {
            let (key, serial) = order[orderHead]
            orderHead += 1
            if let datagram = pending[key], datagram.serial == serial {
                pending[key] = nil
                return datagram
            }
        }
        return nil
    }

    private mutating func compactOrder() {
        if orderHead > 1_024 && orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }

    /// `ranges` (sorted, disjoint, not touching) with `new` added, merged again.
    static func merged(_ ranges: [Range<Int>], _ new: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var current = new
        for range in ranges {
            if range.upperBound < current.lowerBound || range.lowerBound > current.upperBound {
                result.append(range)
            } else {
                current = min(range.lowerBound, current.lowerBound)..<max(range.upperBound, current.upperBound)
            }
        }
        result.append(current)
        return result.sorted { $0.lowerBound < $1.lowerBound }
    }
}

extension IPFragments.Pending {
    func abandoned(_ reason: String) -> IPFragments.Abandoned {
        .init(firstPacketNumber: firstPacketNumber, fragments: fragments,
              bytesHeld: filled.reduce(0) { $0 + $1.count }, reason: reason)
    }
}
