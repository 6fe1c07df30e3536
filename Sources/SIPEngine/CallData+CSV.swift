import Foundation

extension CallData {
    /// Reads a CSV file: the first row names the columns; fields may be quoted with `"` (`""` inside quotes is
    /// one quote); `#` lines and blank lines are skipped. Throws a one-line error with the line number.
    public static func load(path: String, order: Order) throws -> CallData {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError("cannot read the data file '\(path)'")
        }
        let text = String(decoding: data, as: UTF8.self)
        var rows: [[String]] = []
        var header: [String]?
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let fields = try parse(line, lineNumber: n + 1, path: path)
            if header == nil {
                header = fields.map { $0.trimmingCharacters(in: .whitespaces) }
            } else {
                guard fields.count == header!.count else {
                    throw EngineError("\(path):\(n + 1): \(fields.count) fields, but the header names \(header!.count)")
                }
                rows.append(fields)
            }
        }
        guard let columns = header, !columns.isEmpty else { throw EngineError("\(path): no header row naming the columns") }
        guard !rows.isEmpty else { throw EngineError("\(path): no data rows after the header") }
        return CallData(columns: columns, rows: rows, order: order)
    }

    static func parse(_ line: Substring, lineNumber: Int, path: String) throws -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: i)
                    if next < line.endIndex, line[next] == "\"" {
                        field.append("\"")
                        i = next
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(c)
            }
            i = line.index(after: i)
        }
        guard !quoted else { throw EngineError("\(path):\(lineNumber): a quoted field is not closed") }
        fields.append(field)
        return fields
    }
}
