import Testing
import TestSupport
@testable import SIPFlow

@Suite struct DelayTests {
    @Test func durationSpellings() {
        #expect(DurationSyntax.parse("500ms") == .milliseconds(500))
        #expect(DurationSyntax.parse("2s") == .seconds(2))
        #expect(DurationSyntax.parse("1.5s") == .milliseconds(1500))
        #expect(DurationSyntax.parse("5m") == .seconds(300))
        #expect(DurationSyntax.parse("1h") == .seconds(3600))
        #expect(DurationSyntax.parse("0s") == .zero)
        for bad in ["", "2", "s", "ms", "-1s", "1.5.2s", "2 seconds", "1e3s", "nans", "infs", "2S", "99999999h", "١s"] {
            #expect(DurationSyntax.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func durationsPrintShortest() {
        #expect(DurationSyntax.format(.milliseconds(500)) == "500ms")
        #expect(DurationSyntax.format(.milliseconds(1500)) == "1.5s")
        #expect(DurationSyntax.format(.seconds(120)) == "2m")
        #expect(DurationSyntax.format(.seconds(7200)) == "2h")
        #expect(DurationSyntax.format(.zero) == "0s")
    }

    static func pause(_ text: String) throws -> Delay {
        let flow = try FlowLoader.parse(yaml: "parties: [a, b]\nsteps:\n  - a -> b: OPTIONS\n  - pause: \(text)\n  - b -> a: 200\n")
        guard case .pause(let pause) = flow.steps[1].kind else { throw FlowError("no pause", at: SourceLocation(file: "", line: 0, column: 0)) }
        #expect(pause.party == "b", "a pause is the think time of the next sender")
        return pause.delay
    }

    @Test func distributionsFromYAML() throws {
        #expect(try Self.pause("2s") == .fixed(.seconds(2)))
        #expect(try Self.pause("{uniform: [1s, 3s]}") == .uniform(.seconds(1), .seconds(3)))
        #expect(try Self.pause("{normal: {mean: 2s, stddev: 500ms}}") == .normal(mean: .seconds(2), stddev: .milliseconds(500)))
        #expect(try Self.pause("{exponential: {mean: 30s}}") == .exponential(mean: .seconds(30)))
    }

    @Test func pauseAtTheEndBelongsToThePreviousSenderAndPartyOverrides() throws {
        let flow = try FlowLoader.parse(yaml: "parties: [a, b]\nsteps:\n  - a -> b: OPTIONS\n  - pause: 1s\n    party: a\n  - b -> a: 200\n  - pause: 3s\n")
        #expect(flow.steps.compactMap { if case .pause(let p) = $0.kind { p.party } else { nil } } == ["a", "b"])
        #expect(try flow.program(for: "a").instructions.contains(.pause(.fixed(.seconds(1)))))
        #expect(try flow.program(for: "b").instructions.last == .pause(.fixed(.seconds(3))))
    }

    @Test func samplesStayInRangeAndAverageToTheMean() {
        var rng = SplitMix64(seed: 42)
        let n = 20_000
        func average(_ delay: Delay) -> Double {
            var total = 0.0
            for _ in 0..<n {
                let sample = delay.sample(using: &rng).seconds
                #expect(sample >= 0)
                total += sample
            }
            return total / Double(n)
        }
        #expect(Delay.fixed(.seconds(2)).sample(using: &rng) == .seconds(2))
        var uniformInRange = true
        for _ in 0..<1000 {
            let s = Delay.uniform(.seconds(1), .seconds(3)).sample(using: &rng)
            uniformInRange = uniformInRange && s >= .seconds(1) && s <= .seconds(3)
        }
        #expect(uniformInRange)
        #expect(abs(average(.uniform(.seconds(1), .seconds(3))) - 2) < 0.05)
        #expect(abs(average(.normal(mean: .seconds(2), stddev: .milliseconds(500))) - 2) < 0.05)
        #expect(abs(average(.exponential(mean: .seconds(30))) - 30) < 1.5)
        #expect(Delay.normal(mean: .seconds(2), stddev: .milliseconds(500)).mean == .seconds(2))
        #expect(Delay.uniform(.seconds(1), .seconds(3)).mean == .seconds(2))
    }
}
