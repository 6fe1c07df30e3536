/// The `--csv` file: a header, then one row per snapshot, each written straight to the file so that stopping the
/// run with Ctrl-C loses nothing. Owns the file; use from one task.
public final class CSVTimeline {
    private let file: ReportFile

    public var path: String { file.path }

    /// Creates (or truncates) the file and writes the header row.
    /// - Throws: `ReportFileError` saying why the file cannot be opened or written.
    public init(path: String) throws(ReportFileError) {
        file = try ReportFile(creating: path)
        try file.write(TimelineRow.csvHeader + "\n")
    }

    /// Appends the row for `snapshot` and returns it (the JSON report keeps the same rows).
    @discardableResult
    public func append(_ snapshot: RunSnapshot) throws(ReportFileError) -> TimelineRow {
        let row = TimelineRow(snapshot)
        try file.write(row.csvRow + "\n")
        return row
    }

    public func close() { file.close() }
}
