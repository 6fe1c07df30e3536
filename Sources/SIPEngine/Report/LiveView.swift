import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a user sees while a run goes: a block redrawn in place once a second on a terminal, or one plain line per
/// snapshot when standard output is a pipe or a file.
///
/// On a terminal every line is cut to the window's width (read again at each redraw), so a narrow window never
/// wraps a line and throws the cursor-up redraw off. Only ANSI cursor-up and erase sequences are used.
public struct LiveView: Sendable {
    public enum Style: Sendable {
        /// Redraw in place; `columns` gives the terminal's width at each redraw.
        case terminal(columns: @Sendable () -> Int)
        /// One line per snapshot, never cut.
        case plain

        /// `.terminal` reading the window size when standard output is a terminal, `.plain` otherwise.
        public static func detect() -> Style {
            isatty(1) != 0 ? .terminal(columns: { Terminal.columns(fd: 1) }) : .plain
        }
    }

    public let style: Style
    private let write: @Sendable (String) -> Void
    private var linesOnScreen = 0

    /// - Parameter write: where the text goes; standard output (unbuffered) by default.
    public init(style: Style = .detect(), write: @escaping @Sendable (String) -> Void = LiveView.standardOutput) {
        self.style = style
        self.write = write
    }

    /// Writes to standard output unbuffered, ignoring write errors (the CLI should ignore SIGPIPE).
    @Sendable public static func standardOutput(_ text: String) {
        _ = ReportFile.writeAll(text, to: 1)
    }

    /// Shows one snapshot: redraws the block on a terminal, appends a line otherwise.
    public mutating func show(_ snapshot: RunSnapshot) {
        switch style {
        case .plain:
            write(Self.plainLine(snapshot) + "\n")
        case .terminal(let columns):
            let width = max(columns() - 1, 1)
            var out = linesOnScreen > 0 ? "\u{1B}[\(linesOnScreen)A" : ""
            let lines = Self.frame(snapshot)
            for line in lines { out += "\r\u{1B}[2K" + ReportText.truncate(line, toColumns: width) + "\n" }
            out += "\u{1B}[J"
            linesOnScreen = lines.count
            write(out)
        }
    }

    /// Leaves the last block on screen; the next output starts below it.
    public mutating func finish() {
        linesOnScreen = 0
    }

    /// The metrics the live view follows, in order of preference.
    static let followed: [LatencyMetric] = [.setup, .register, .options]

    /// The plain line: `t=12s rate=998.0/1000 active=2011 completed=9930 failed=0 retx=0 setup p50=1.2ms …`.
    public static func plainLine(_ s: RunSnapshot) -> String {
        var line = "t=\(Int(s.elapsed.seconds.rounded(.down)))s rate=\(ReportText.fixed(s.actualRate, places: 1))"
        if s.targetRate > 0 { line += "/" + ReportText.decimal(s.targetRate, places: 1) }
        line += " active=\(s.active) completed=\(s.total.completed) failed=\(s.total.failed)"
        let reasons = failuresByReason(s.total)
        if !reasons.isEmpty { line += "(" + reasons.map { "\($0.0.rawValue)=\($0.1)" }.joined(separator: ",") + ")" }
        line += " retx=\(s.total.retransmissions)"
        let metric = followed.first { s.total.histograms[$0].map { $0.totalCount > 0 } == true } ?? .setup
        line += " \(metric.rawValue)"
        for p in [50.0, 95, 99] {
            line += " p\(Int(p))=" + (s.total.percentile(metric, p).map(DurationText.format) ?? "-")
        }
        return line
    }

    /// The terminal block, uncut.
    public static func frame(_ s: RunSnapshot) -> [String] {
        var rate = "rate " + ReportText.fixed(s.actualRate, places: 1) + "/s"
        if s.targetRate > 0 { rate += " (target " + ReportText.decimal(s.targetRate, places: 1) + ")" }
        var lines = ["sipflow  \(ReportText.clock(s.elapsed))  \(rate)  active \(s.active)"]
        let t = s.total
        var calls = "calls    started \(t.started)  completed \(t.completed)  failed \(t.failed)"
        if t.started > 0 { calls += " (" + ReportText.fixed(Double(t.failed) / Double(t.started) * 100, places: 2) + "%)" }
        lines.append(calls + "  retx \(t.retransmissions)")
        let reasons = failuresByReason(t)
        if !reasons.isEmpty {
            lines.append("failed   " + reasons.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: "  "))
        }
        var metrics = followed.filter { t.histograms[$0].map { $0.totalCount > 0 } == true }
        if metrics.isEmpty { metrics = [.setup] }
        for m in metrics {
            var row = m.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            row += [50.0, 95, 99].map { "p\(Int($0)) " + (t.percentile(m, $0).map(DurationText.format) ?? "-") }
                .joined(separator: "  ")
            if let now = s.interval.percentile(m, 99) { row += "  (last 1s p99 " + DurationText.format(now) + ")" }
            lines.append(row)
        }
        return lines
    }

    /// Failure counts, largest first, ties in `FailureReason` order.
    static func failuresByReason(_ stats: CallStatistics) -> [(FailureReason, UInt64)] {
        FailureReason.allCases.compactMap { r in stats.failures[r].flatMap { $0 > 0 ? (r, $0) : nil } }
            .enumerated().sorted { $0.element.1 != $1.element.1 ? $0.element.1 > $1.element.1 : $0.offset < $1.offset }
            .map(\.element)
    }
}

/// The terminal's size.
public enum Terminal {
    /// Columns of the terminal on `fd`, else `$COLUMNS`, else 80.
    public static func columns(fd: Int32) -> Int {
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let env = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(env), n > 0 { return n }
        return 80
    }
}
