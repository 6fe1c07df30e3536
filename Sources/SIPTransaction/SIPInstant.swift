/// A point on the engine's monotonic clock, in nanoseconds from an arbitrary origin.
///
/// Transactions never read a clock: every event carries the `SIPInstant` at which it happened, and timers come back
/// as `Duration`s to add to that instant. A plain `UInt64` keeps the value at eight bytes and the arithmetic cheap.
public struct SIPInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanoseconds: UInt64

    @inlinable public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = SIPInstant(nanoseconds: 0)
    /// Later than any instant a clock reads: "never".
    public static let max = SIPInstant(nanoseconds: .max)

    /// An instant `duration` after the origin, e.g. `.at(.seconds(32))` in tests.
    @inlinable public static func at(_ duration: Duration) -> SIPInstant { zero + duration }

    @inlinable public static func < (a: SIPInstant, b: SIPInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The instant `d` later. Negative durations count as zero; the result saturates at `UInt64.max`.
    @inlinable public static func + (t: SIPInstant, d: Duration) -> SIPInstant {
        let (sum, overflow) = t.nanoseconds.addingReportingOverflow(d.nanoseconds)
        return SIPInstant(nanoseconds: overflow ? .max : sum)
    }

    @inlinable public static func += (t: inout SIPInstant, d: Duration) { t = t + d }

    /// The time from `b` to `a`, or zero when `b` is later.
    @inlinable public static func - (a: SIPInstant, b: SIPInstant) -> Duration {
        a.nanoseconds >= b.nanoseconds ? .nanoseconds(Int64(clamping: a.nanoseconds - b.nanoseconds)) : .zero
    }

    public var description: String { "\(Double(nanoseconds) / 1e6) ms" }
}

extension Duration {
    /// Whole nanoseconds, clamped to `0...UInt64.max`.
    ///
    /// From `attoseconds` with one 128-bit division: `components` costs several times more, and the engine converts
    /// durations on every timer it arms.
    @inlinable public var nanoseconds: UInt64 {
        let atto = attoseconds
        guard atto > 0 else { return 0 }
        let ns = atto / 1_000_000_000
        return ns > Int128(UInt64.max) ? .max : UInt64(ns)
    }

    /// The duration in seconds as a Double. Converted from the two 64-bit halves of `attoseconds`: `Double(_:)` of
    /// an `Int128` is generic code the compiler does not specialize (it looks up metadata on each call), and
    /// `components` divides 128-bit numbers; the engine's call schedule asks for every call.
    @inlinable public var seconds: Double {
        let atto = attoseconds
        let high = Double(Int64(truncatingIfNeeded: atto >> 64)), low = Double(UInt64(truncatingIfNeeded: atto))
        return (high * 18_446_744_073_709_551_616 + low) / 1e18
    }

    /// `self * factor` in 128-bit integer arithmetic. The standard library's `Duration * Int` is generic over
    /// `BinaryInteger` and, not specialized across modules, converts the factor with metadata look-ups; the
    /// transactions scale T1 for every timer they arm.
    @inlinable public func times(_ factor: Int) -> Duration { Duration(attoseconds: attoseconds * Int128(factor)) }
}
