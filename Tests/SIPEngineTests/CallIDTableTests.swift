import SIPCore
import TestSupport
import Testing
@testable import SIPEngine

@Suite struct CallIDTableTests {
    /// Call-IDs like the engine's: a run prefix, a counter, the host.
    static func callID(_ n: Int) -> ByteString { ByteString("k3x9q-0-\(String(n, radix: 36))@127.0.0.1") }

    struct Entry: CallIDKeyed, Equatable {
        let callID: ByteString
        let number: Int
        init(_ callID: ByteString, _ number: Int) {
            self.callID = callID
            self.number = number
        }
    }

    typealias Table = CallIDTable<Entry>

    @Test func insertsFindsReplacesAndRemoves() {
        var table = Table(seed: 1)
        #expect(table.isEmpty)
        #expect(table[Self.callID(1)] == nil)
        table.insert(Entry(Self.callID(1), 10))
        table.insert(Entry(Self.callID(2), 20))
        #expect(table.count == 2)
        #expect(table[Self.callID(1)]?.number == 10)
        table.insert(Entry(Self.callID(1), 11))  // replaced, not added
        #expect(table.count == 2)
        #expect(table[Self.callID(1)]?.number == 11)
        table.remove(Self.callID(1))
        table.remove(Self.callID(3))  // not there: nothing happens
        #expect(table.count == 1)
        #expect(table[Self.callID(1)] == nil)
        #expect(table[Self.callID(2)]?.number == 20)
        #expect(table.values == [Entry(Self.callID(2), 20)])
    }

    @Test func aRemovalCanBeMadeToDependOnTheValue() {
        var table = Table(seed: 2)
        table.insert(Entry(Self.callID(1), 1))
        table.remove(Self.callID(1)) { $0.number == 0 }  // an older call with this Call-ID: the newer one stays
        #expect(table[Self.callID(1)]?.number == 1)
        table.remove(Self.callID(1)) { $0.number == 1 }
        #expect(table.isEmpty)
    }

    @Test func aKeyIsFoundByItsBytesWhereverTheyLie() {
        var table = Table(seed: 2)
        let stored = Array("INVITE ... Call-ID: abc@host\r\n".utf8)
        table.insert(Entry(ByteString(stored[20..<28]), 7))  // a slice of a larger buffer
        #expect(table[ByteString("abc@host")]?.number == 7)
        #expect(table[ByteString("abc@hos")] == nil)
        #expect(table[ByteString("abc@hosT")] == nil)  // bytes, not case-folded: Call-IDs are case-sensitive
    }

    /// Many random inserts, replacements and removals over few keys, so the table stays small and its runs of
    /// occupied slots are long and wrap around its end: each step must agree with a `Dictionary`.
    @Test(arguments: [3, 4, 5, 6] as [UInt64])
    func agreesWithADictionaryThroughLongRuns(seed: UInt64) {
        var table = Table(seed: seed)
        var reference: [ByteString: Int] = [:]
        var random = SplitMix64(seed: seed)
        for step in 0..<20_000 {
            let key = Self.callID(random.below(22))  // at most 22 keys: 32 slots, loaded up to 0.69
            if random.below(3) == 0 {
                table.remove(key)
                reference[key] = nil
            } else {
                table.insert(Entry(key, step))
                reference[key] = step
            }
            #expect(table.count == reference.count)
            if step % 97 == 0 {
                for n in 0..<24 where table[Self.callID(n)]?.number != reference[Self.callID(n)] {
                    Issue.record("step \(step): key \(n) is \(String(describing: table[Self.callID(n)]?.number)), not \(String(describing: reference[Self.callID(n)]))")
                }
            }
        }
        #expect(table.values.map(\.number).sorted() == reference.values.sorted())
    }

    @Test func growsAndReservesWithoutLosingKeys() {
        var table = Table(seed: 7)
        for n in 0..<5_000 { table.insert(Entry(Self.callID(n), n)) }
        table.reserveCapacity(100_000)
        for n in 5_000..<6_000 { table.insert(Entry(Self.callID(n), n)) }
        #expect(table.count == 6_000)
        #expect((0..<6_000).allSatisfy { table[Self.callID($0)]?.number == $0 })
        for n in stride(from: 0, to: 6_000, by: 2) { table.remove(Self.callID(n)) }
        #expect(table.count == 3_000)
        #expect((0..<6_000).allSatisfy { table[Self.callID($0)]?.number == ($0 % 2 == 0 ? nil : $0) })
    }

    /// A shard's own Call-IDs are placed by their number, so calls started one after another sit side by side; a
    /// Call-ID that only looks like one is hashed by its bytes and found all the same.
    @Test func localCallIDsArePlacedByTheirNumber() {
        var ids = IdentifierGenerator(shard: 3, run: 12_345)
        var table = Table(localPrefix: ids.prefix, seed: 10)
        let local = (0..<100).map { _ in ids.callID(host: Array("192.0.2.1".utf8)) }
        let homes = local.map { table.hash($0) }
        #expect(homes == Array(homes.first! ..< homes.first! + 100), "the counter's values, one after another")
        let prefix = String(decoding: ids.prefix, as: UTF8.self)
        let lookalikes = ["\(prefix)@host", "\(prefix)Z1@host", "\(prefix)1", "\(prefix)123456789abcde@host",
                          "x\(prefix)1@host", String(prefix.dropLast())].map { ByteString($0) }
        for key in lookalikes { #expect(table.hash(key) == Table(seed: 10).hash(key), "\(key.string) is mixed") }
        for (n, key) in (local + lookalikes).enumerated() { table.insert(Entry(key, n)) }
        #expect((local + lookalikes).enumerated().allSatisfy { table[$1]?.number == $0 })
        for key in local[..<50] { table.remove(key) }
        #expect(table.count == 50 + lookalikes.count)
        #expect(local[50...].allSatisfy { table[$0] != nil } && local[..<50].allSatisfy { table[$0] == nil })
    }

    @Test func theHashIsNeverZeroAndSpreadsCounters() {
        let table = Table(seed: 8)
        var homes = Set<UInt32>()
        for n in 0..<4_096 {
            let h = table.hash(Self.callID(n))
            #expect(h != 0)
            homes.insert(h & 4_095)
        }
        #expect(homes.count > 2_400, "4,096 consecutive Call-IDs over 4,096 slots: \(homes.count) distinct")  // ~2,589 for a random hash
        #expect(table.hash(ByteString([])) != 0)
        #expect(Table(seed: 9).hash(Self.callID(1)) != table.hash(Self.callID(1)))
    }
}
