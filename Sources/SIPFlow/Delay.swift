import Foundation

/// How long a `pause:` step waits: a fixed time or a random draw from a distribution, fresh for each call.
public enum Delay: Hashable, Sendable, CustomStringConvertible {
    case fixed(Duration)
    /// Uniform between the bounds, inclusive.
    case uniform(Duration, Duration)
    /// Normal with the mean and standard deviation; draws below zero become zero.
    case normal(mean: Duration, stddev: Duration)
    /// Exponential with the mean: the gaps of a Poisson process.
    case exponential(mean: Duration)

    /// One draw, for one call.
    public func sample(using generator: inout some RandomNumberGenerator) -> Duration {
        switch self {
        case .fixed(let duration):
            return duration
        case .uniform(let low, let high):
            return .seconds(Double.random(in: low.seconds...high.seconds, using: &generator))
        case .normal(let mean, let stddev):
            // Box–Muller: two uniforms give one standard normal draw.
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return .seconds(max(0, mean.seconds + z * stddev.seconds))
        case .exponential(let mean):
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            return .seconds(-log(u) * mean.seconds)
        }
    }

    /// The average delay, for planning call durations.
    public var mean: Duration {
        switch self {
        case .fixed(let duration): duration
        case .uniform(let low, let high): (low + high) / 2
        case .normal(let mean, _): mean
        case .exponential(let mean): mean
        }
    }

    public var description: String {
        switch self {
        case .fixed(let d): DurationSyntax.format(d)
        case .uniform(let a, let b): "uniform \(DurationSyntax.format(a))..\(DurationSyntax.format(b))"
        case .normal(let m, let s): "normal mean \(DurationSyntax.format(m)) stddev \(DurationSyntax.format(s))"
        case .exponential(let m): "exponential mean \(DurationSyntax.format(m))"
        }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

/// Durations as flow files write them: a number and a unit, `500ms`, `2s`, `1.5s`, `5m`, `1h`.
public enum DurationSyntax {
    static let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]

    /// The duration `text` names, or nil when it is not a number followed by ms, s, m or h.
    public static func parse(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  let value = Double(number), value.isFinite, value * scale <= 366 * 86400 else { continue }
            return .nanoseconds(Int64((value * scale * 1e9).rounded()))
        }
        return nil
    }

    /// The shortest exact spelling: `1500ms` as `1.5s`, `120s` as `2m`.
    public static func format(_ duration: Duration) -> String {
        let ms = Int64((duration.seconds * 1000).rounded())
        if ms % 3_600_000 == 0, ms != 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0, ms != 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        if ms >= 1000 { return "\(Double(ms) / 1000)s" }
        return "\(ms)ms"
    }
}
