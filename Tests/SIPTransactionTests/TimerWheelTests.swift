import SIPCore
import Testing
import TestSupport
@testable import SIPTransaction

/// The hashed timer wheel with a fake clock.
@Suite struct TimerWheelTests {
    @Test func neverFiresEarlyDeadlinesRoundUpToTheResolution() {
        var wheel = TimerWheel<String>(resolution: .milliseconds(10), slots: 64)
        wheel.schedule("a", at: ms(25))
        wheel.schedule("b", at: ms(30))
        #expect(wheel.advance(to: ms(24)) == [])
        #expect(wheel.advance(to: ms(29)) == [], "25 ms rounds up to the 30 ms tick")
        #expect(wheel.advance(to: ms(30)) == ["a", "b"])
        #expect(wheel.isEmpty)
    }

    @Test func sameTickFiresInSchedulingOrderAndTicksInDeadlineOrder() {
        var wheel = TimerWheel<Int>(resolution: .milliseconds(1), slots: 8)
        for (id, deadline) in [(1, 40), (2, 20), (3, 30), (4, 20), (5, 10), (6, 20)] { wheel.schedule(id, at: ms(deadline)) }
        #expect(wheel.advance(to: ms(100)) == [5, 2, 4, 6, 3, 1], "one jump still fires tick by tick")
    }

    @Test func farDeadlinesSurviveManyRotations() {
        var wheel = TimerWheel<String>(resolution: .milliseconds(1), slots: 16)  // one rotation = 16 ms
        wheel.schedule("ten minutes", at: .at(.seconds(600)))  // 600 000 ms: slot 0
        wheel.schedule("near", at: ms(16))  // slot 0 too
        var fired: [String] = []
        for t in stride(from: 1, through: 200, by: 1) { wheel.advance(to: ms(t), into: &fired) }
        #expect(fired == ["near"])
        #expect(wheel.advance(to: ms(599_999)) == [])
        #expect(wheel.count == 1)
        #expect(wheel.advance(to: ms(600_000)) == ["ten minutes"])
    }

    @Test func cascadedTimersFireBeforeLaterScheduledOnesOfTheSameTick() {
        var wheel = TimerWheel<String>(resolution: .milliseconds(1), slots: 8)  // one block = 8 ticks
        wheel.schedule("early, far", at: ms(20))  // 20 ticks away: level 1
        #expect(wheel.advance(to: ms(15)) == [])
        wheel.schedule("late, near", at: ms(20))  // 5 ticks away: level 0
        wheel.schedule("late, sooner", at: ms(17))
        #expect(wheel.advance(to: ms(19)) == ["late, sooner"])
        #expect(wheel.advance(to: ms(20)) == ["early, far", "late, near"], "same tick: scheduling order")
    }

    @Test func beyondTheSecondLevelHorizonTimersWaitOutTheRounds() {
        var wheel = TimerWheel<Int>(resolution: .milliseconds(1), slots: 4)  // block 4 ticks, horizon 16 ticks
        wheel.schedule(3, at: ms(50))
        wheel.schedule(2, at: ms(34))
        wheel.schedule(1, at: ms(18))  // all three share level-1 slot 0 (blocks 4, 8, 12)
        var log: [(Int, Int)] = []
        for t in 1...60 { for p in wheel.advance(to: ms(t)) { log.append((p, t)) } }
        #expect(log.map(\.0) == [1, 2, 3])
        #expect(log.map(\.1) == [18, 34, 50])
    }

    @Test func matchesAReferenceModelUnderRandomUse() {
        struct Entry { var tick: UInt64; var seq: Int }
        var seed: UInt64 = 42
        func random(_ n: UInt64) -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return (seed >> 33) % n
        }
        for slots in [2, 8, 64] {
            var wheel = TimerWheel<Int>(resolution: .milliseconds(1), slots: slots, start: ms(3))
            var pending: [Int: Entry] = [:]
            var nextTick: UInt64 = 3
            var now: UInt64 = 3
            var seq = 0
            for _ in 0..<3_000 {
                if random(3) == 0 {
                    now += random(UInt64(slots * slots) * 2)
                    let expected = pending.filter { $0.value.tick <= now }
                        .sorted { ($0.value.tick, $0.value.seq) < ($1.value.tick, $1.value.seq) }.map(\.key)
                    let fired = wheel.advance(to: ms(Int(now)))
                    #expect(fired == expected, "slots \(slots), now \(now)")
                    for id in expected { pending[id] = nil }
                    nextTick = max(nextTick, now + 1)
                } else {
                    let deadline = now + random(UInt64(slots * slots) * 3)  // whole ms: ticks are ms
                    seq += 1
                    pending[seq] = Entry(tick: max(deadline, nextTick), seq: seq)
                    wheel.schedule(seq, at: ms(Int(deadline)))
                }
                #expect(wheel.count == pending.count)
            }
        }
    }

    @Test func deadlinesAlreadyPastFireOnTheNextTick() {
        var wheel = TimerWheel<String>(resolution: .milliseconds(1), slots: 64)
        #expect(wheel.advance(to: ms(100)) == [])
        wheel.schedule("late", at: ms(50))
        wheel.schedule("now", at: ms(100))
        #expect(wheel.nextTickInstant == ms(101))
        #expect(wheel.advance(to: ms(100)) == [], "tick 100 was already processed")
        #expect(wheel.advance(to: ms(101)) == ["late", "now"])
    }

    @Test func startsAtTheGivenInstant() {
        var wheel = TimerWheel<String>(resolution: .milliseconds(4), slots: 64, start: .at(.seconds(3_600)))
        wheel.schedule("x", after: .milliseconds(10), from: .at(.seconds(3_600)))
        #expect(wheel.advance(to: .at(.milliseconds(3_600_011))) == [])
        #expect(wheel.advance(to: .at(.milliseconds(3_600_012))) == ["x"])
    }

    @Test func hundredThousandTimersEachFireOnceOnTimeAndInOrder() {
        var wheel = TimerWheel<Int>(resolution: .milliseconds(2), slots: 1024)
        var deadlines: [UInt64] = []
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for id in 0..<100_000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let d = (seed >> 33) % 60_000_000_000  // up to 60 s, in ns
            deadlines.append(d)
            wheel.schedule(id, at: SIPInstant(nanoseconds: d))
        }
        var fired: [Int] = []
        var firedAt = [UInt64](repeating: 0, count: 100_000)
        var now: UInt64 = 0
        var lastTick: UInt64 = 0
        var ordered = true
        while !wheel.isEmpty {
            now += 7_000_000  // the engine wakes every 7 ms
            fired.removeAll(keepingCapacity: true)
            wheel.advance(to: SIPInstant(nanoseconds: now), into: &fired)
            for id in fired {
                firedAt[id] = now
                let tick = (deadlines[id] + 1_999_999) / 2_000_000
                if tick < lastTick { ordered = false }
                lastTick = tick
            }
        }
        #expect(ordered, "fires in deadline-tick order")
        #expect(zip(deadlines, firedAt).allSatisfy { d, at in at >= d }, "never early")
        #expect(zip(deadlines, firedAt).allSatisfy { d, at in at < d + 2_000_000 + 7_000_000 }, "late by at most resolution + step")
        #expect(wheel.poolSize == 100_000)
    }

    @Test func firedNodesAreReused() {
        var wheel = TimerWheel<Int>(resolution: .milliseconds(1), slots: 64)
        for round in 0..<10 {
            for i in 0..<100 { wheel.schedule(i, at: ms(round * 1_000 + i)) }
            #expect(wheel.advance(to: ms(round * 1_000 + 999)).count == 100)
        }
        #expect(wheel.poolSize == 100, "no growth once the pool has the high-water mark")
    }

    @Test func reschedulingFromFiredPayloads() {
        var wheel = TimerWheel<Int>(resolution: .milliseconds(1), slots: 32)
        wheel.schedule(1, at: ms(10))
        var log: [(Int, Int)] = []
        var t = 0
        while t < 100 {
            t += 1
            for n in wheel.advance(to: ms(t)) {
                log.append((n, t))
                if n < 4 { wheel.schedule(n + 1, after: .milliseconds(10 * n), from: ms(t)) }
            }
        }
        #expect(log.map(\.0) == [1, 2, 3, 4])
        #expect(log.map(\.1) == [10, 20, 40, 70])
    }

    /// The engine loop in miniature: a transaction's `.schedule` actions go into the wheel, fires come back.
    @Test func drivesAnUnansweredInviteToTimerB() throws {
        var wheel = TimerWheel<TransactionTimer>(resolution: .milliseconds(1))
        var uac = try ClientInviteTransaction(invite: try Alice.invite())
        var sendTimes: [Int] = []
        var ended: (TerminationReason, Int)?
        func run(_ actions: TransactionActions, at now: Int) {
            for a in actions {
                switch a {
                case .send: sendTimes.append(now)
                case .schedule(let timer, let after): wheel.schedule(timer, after: after, from: ms(now))
                case .terminated(let r): ended = (r, now)
                case .deliver: break
                }
            }
        }
        run(uac.start(at: ms(0)), at: 0)
        var now = 0
        while ended == nil, now < 40_000 {
            now += 5
            for timer in wheel.advance(to: ms(now)) { run(uac.timerFired(timer, at: ms(now)), at: now) }
        }
        #expect(sendTimes == [0, 500, 1_500, 3_500, 7_500, 15_500, 31_500])
        #expect(ended?.0 == .timedOut(.timerB))
        #expect(ended?.1 == 32_000)
    }

    @Test func cancelTakesATimerOutAndLeavesTheOthersInOrder() {
        var wheel = TimerWheel<String>(resolution: .milliseconds(1), slots: 8)
        let a = wheel.schedule("a", at: ms(5))
        let b = wheel.schedule("b", at: ms(5))
        wheel.schedule("c", at: ms(5))
        let far = wheel.schedule("far", at: ms(100))  // level 1
        wheel.schedule("far2", at: ms(100))
        let cancelled = wheel.cancel(b), again = wheel.cancel(b)
        #expect(cancelled)
        #expect(!again, "a second cancel does nothing")
        #expect(wheel.count == 4)
        #expect(wheel.advance(to: ms(5)) == ["a", "c"])
        let firedOne = wheel.cancel(a)
        #expect(!firedOne, "a fired timer cannot be cancelled")
        let d = wheel.schedule("d", at: ms(6))  // reuses a freed node
        let oldA = wheel.cancel(a), oldB = wheel.cancel(b), farOne = wheel.cancel(far)
        #expect(!oldA && !oldB, "old handles do not reach the node's new timer")
        #expect(farOne)
        #expect(wheel.advance(to: ms(200)) == ["d", "far2"])
        let firedD = wheel.cancel(d)
        #expect(!firedD)
        #expect(wheel.isEmpty)
    }

    @Test func cancelAfterACascadeKeepsTheListsWhole() {
        var wheel = TimerWheel<Int>(resolution: .milliseconds(1), slots: 8)  // a block is 8 ms
        var handles: [Int: TimerWheel<Int>.Handle] = [:]
        for id in 0..<6 { handles[id] = wheel.schedule(id, at: ms(20)) }  // level 1, block 2
        handles[6] = wheel.schedule(6, at: ms(21))
        #expect(wheel.advance(to: ms(16)) == [])  // block 2 cascaded into level 0
        let three = [0, 5, 2].map { wheel.cancel(handles[$0]!) }
        #expect(three == [true, true, true])
        handles[7] = wheel.schedule(7, at: ms(20))
        let six = wheel.cancel(handles[6]!)
        #expect(six)
        #expect(wheel.advance(to: ms(30)) == [1, 3, 4, 7])
        #expect(wheel.isEmpty)
    }

    /// Random schedules, cancels and advances against a plain list: the same timers fire in the same order.
    @Test func cancelMatchesAReferenceModel() {
        var rng = SplitMix64(seed: 42)
        for slots in [4, 16] {
            var wheel = TimerWheel<Int>(resolution: .milliseconds(1), slots: slots)
            var model: [(tick: UInt64, id: Int)] = []
            var handles: [Int: TimerWheel<Int>.Handle] = [:]
            var now: UInt64 = 0, nextID = 0
            for _ in 0..<4000 {
                switch rng.next() % 10 {
                case 0..<5:
                    let deadline = now + rng.next() % 200
                    handles[nextID] = wheel.schedule(nextID, at: ms(Int(deadline)))
                    model.append((max(deadline, now + 1), nextID))
                    nextID += 1
                case 5..<7:
                    guard let (id, handle) = handles.randomElement(using: &rng) else { continue }
                    let inModel = model.contains { $0.id == id }
                    let cancelled = wheel.cancel(handle)
                    #expect(cancelled == inModel)
                    model.removeAll { $0.id == id }
                    handles[id] = nil
                default:
                    now += rng.next() % 40
                    let fired = wheel.advance(to: ms(Int(now)))
                    let due = model.filter { $0.tick <= now }.sorted { $0.tick < $1.tick }.map(\.id)
                    model.removeAll { $0.tick <= now }
                    #expect(fired.sorted() == due.sorted())
                    #expect(wheel.count == model.count)
                }
            }
        }
    }

}
