import Foundation

/// Number and text formatting shared by the live view, the summary and the CSV.
public enum ReportText {
    /// `v` rounded to `places` decimals, written without trailing zeros: `998`, `998.5`, `1.234`.
    public static func decimal(_ v: Double, places: Int = 3) -> String {
        guard v.isFinite else { return "" }
        let scale = pow(10, Double(places))
        let r = (v * scale).rounded() / scale
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        return String(format: "%.\(places)f", r).replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
    }

    /// `v` with exactly `places` decimals: `fixed(1.2, places: 3)` is `1.200`.
    public static func fixed(_ v: Double, places: Int) -> String {
        String(format: "%.\(places)f", v)
    }

    /// A duration in milliseconds rounded to the microsecond, as a JSON or CSV number.
    public static func milliseconds(_ d: Duration) -> Double {
        (d.seconds * 1_000_000).rounded() / 1000
    }

    /// Elapsed time as the live view shows it: `12s`, `4m05s`, `1h02m03s`.
    public static func clock(_ d: Duration) -> String {
        let s = Int(d.seconds.rounded(.down))
        let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if h > 0 { return "\(h)h\(two(m))m\(two(sec))s" }
        if m > 0 { return "\(m)m\(two(sec))s" }
        return "\(sec)s"
    }

    /// Bytes as `512 B`, `2.1 KiB`, `3.4 MiB`.
    public static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1024 * 1024 { return fixed(Double(n) / 1024, places: 1) + " KiB" }
        return fixed(Double(n) / (1024 * 1024), places: 1) + " MiB"
    }

    /// Cuts `line` to at most `columns` characters, ending it with `…` when something was cut.
    public static func truncate(_ line: String, toColumns columns: Int) -> String {
        guard columns > 0 else { return "" }
        guard line.count > columns else { return line }
        return String(line.prefix(columns - 1)) + "…"
    }

    /// The first line of `text` without surrounding spaces, cut to `columns` characters.
    public static func oneLine(_ text: String, columns: Int) -> String {
        let first = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return truncate(first.trimmingCharacters(in: .whitespaces), toColumns: columns)
    }
}

/// Plain-text columns: each column as wide as its widest cell, two spaces apart.
struct TextTable {
    enum Alignment { case left, right }

    var alignments: [Alignment]
    var rows: [[String]] = []
    var indent = "  "

    init(_ alignments: [Alignment]) { self.alignments = alignments }

    mutating func add(_ cells: String...) { rows.append(cells) }

    func render() -> [String] {
        var widths = [Int](repeating: 0, count: alignments.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        return rows.map { row in
            var parts: [String] = []
            for (i, cell) in row.enumerated() where i < widths.count {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                let isLast = i == row.count - 1
                parts.append(alignments[i] == .right ? pad + cell : (isLast ? cell : cell + pad))
            }
            var line = indent + parts.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
