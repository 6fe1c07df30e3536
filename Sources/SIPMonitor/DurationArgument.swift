/// Durations as ping's options write them: `5s`, `500ms`, `1.5s`, `2m`, `250us`; a bare number is seconds.
public enum DurationArgument {
    public static func parse(_ text: String, option: String) throws(PingArgumentError) -> Duration {
        let t = text.trimmingSpaces.lowercased()
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(t)
        var scale = 1.0
        for (suffix, s) in units where t.hasSuffix(suffix) {
            number = t.dropLast(suffix.count)
            scale = s
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else {
            throw PingArgumentError("\(option) '\(text)' is not a duration such as 5s, 500ms or 1.5s")
        }
        let nanos = (value * scale * 1e9).rounded()
        guard nanos <= 86_400e9 else { throw PingArgumentError("\(option) '\(text)' is longer than a day") }
        return .nanoseconds(Int64(nanos))
    }
}

/// UTC time stamps for watch output: `2026-11-21T05:40:01.123Z`.
public enum Timestamp {
    public static func utc(_ secondsSince1970: Double) -> String {
        var t = time_t(secondsSince1970.rounded(.down))
        var tm = tm()
        gmtime_r(&t, &tm)
        let ms = Int((secondsSince1970 - Double(t)) * 1000)
        func pad(_ v: Int32, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(ms), 3))Z"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
