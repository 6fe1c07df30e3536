import Foundation

/// Writes the `--format json` document as the calls end, so a capture of any size needs no more memory than its
/// open calls: `{"schema", "files", "calls": [...], "summary", "inputErrors"}`. The schema is
/// docs/analysis.schema.json.
public struct AnalysisJSONWriter {
    public static let schema = "sipflow-analysis/1"
    private let write: (String) -> Void
    private let encoder: JSONEncoder
    private var calls = 0

    /// Starts the document; `write` gets each piece in order.
    public init(files: [String], write: @escaping (String) -> Void) {
        self.write = write
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let names = (try? encoder.encode(files)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        write("{\"schema\":\"\(Self.schema)\",\"files\":\(names),\"calls\":[")
    }

    public mutating func add(_ call: CallRecord) {
        var text = JSONText()
        call.writeJSON(into: &text)
        write((calls == 0 ? "\n" : ",\n") + String(decoding: text.bytes, as: UTF8.self))
        calls += 1
    }

    /// Ends the document with the summary and what could not be read (one sentence each).
    public func finish(_ summary: AnalysisSummary, inputErrors: [String]) {
        let s = (try? encoder.encode(summary)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let e = (try? encoder.encode(inputErrors)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        write("\n],\"summary\":\(s),\"inputErrors\":\(e)}\n")
    }
}
