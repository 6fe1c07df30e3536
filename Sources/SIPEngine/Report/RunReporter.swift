import Foundation

/// Every report of one run in one place: the engine calls `record` once a second and `finish` once at the end.
///
/// The CSV file is opened by `init`, so a bad `--csv` path fails before any call is placed. Owns the CSV file and
/// the live view; use it from the one task that samples the statistics.
public final class RunReporter {
    public struct Options: Sendable {
        /// How the live view draws; nil for no live view (`--quiet`).
        public var liveView: LiveView.Style?
        /// `--csv`: the timeline file, if any.
        public var csvPath: String?
        /// `--report`: the JSON file, if any.
        public var reportPath: String?
        /// `--fail-if` conditions.
        public var conditions: [Threshold]
        public var toolVersion: String

        public init(
            liveView: LiveView.Style? = .detect(), csvPath: String? = nil, reportPath: String? = nil,
            conditions: [Threshold] = [], toolVersion: String
        ) {
            self.liveView = liveView
            self.csvPath = csvPath
            self.reportPath = reportPath
            self.conditions = conditions
            self.toolVersion = toolVersion
        }
    }

    public let parameters: RunParameters
    public let options: Options
    private var view: LiveView?
    private var csv: CSVTimeline?
    private let write: @Sendable (String) -> Void
    private let writeError: @Sendable (String) -> Void
    /// The rows so far, for the JSON report's timeline.
    public private(set) var timeline: [TimelineRow] = []
    /// Files that could not be written; each is also printed through `writeError`.
    public private(set) var fileErrors: [ReportFileError] = []
    private var lastMemoryPerDialog: Int?

    /// - Parameters:
    ///   - write: where the live view and the summary go (standard output by default).
    ///   - writeError: where file errors go (standard error by default), one line each.
    /// - Throws: `ReportFileError` when the CSV file cannot be created.
    public init(
        parameters: RunParameters, options: Options,
        write: @escaping @Sendable (String) -> Void = LiveView.standardOutput,
        writeError: @escaping @Sendable (String) -> Void = RunReporter.standardError
    ) throws(ReportFileError) {
        self.parameters = parameters
        self.options = options
        self.write = write
        self.writeError = writeError
        view = options.liveView.map { LiveView(style: $0, write: write) }
        csv = try options.csvPath.map { path throws(ReportFileError) in try CSVTimeline(path: path) }
    }

    /// Writes to standard error unbuffered, ignoring errors.
    @Sendable public static func standardError(_ text: String) {
        _ = ReportFile.writeAll(text, to: 2)
    }

    /// Shows the snapshot and appends its row to the CSV and the timeline. A CSV write error is printed once and
    /// ends the CSV; the run goes on and ends with exit code 3.
    public func record(_ snapshot: RunSnapshot) {
        view?.show(snapshot)
        let row = TimelineRow(snapshot)
        timeline.append(row)
        if let m = snapshot.memoryPerDialogBytes { lastMemoryPerDialog = m }
        do {
            try csv?.append(snapshot)
        } catch {
            report(error)
            csv?.close()
            csv = nil
        }
    }

    /// Ends the run: checks the conditions, writes the JSON report, prints the summary, closes the CSV.
    /// A file that could not be written makes the exit code 3 (runtime error) and the verdict failed.
    /// - Parameters:
    ///   - rateWindow: how long calls were being started; the achieved rate is `total.started / rateWindow`.
    ///   - memoryPerDialogBytes: defaults to the last value seen in a snapshot.
    public func finish(
        elapsed: Duration, rateWindow: Duration? = nil, total: CallStatistics, memoryPerDialogBytes: Int? = nil
    ) -> RunOutcome {
        view?.finish()
        csv?.close()
        csv = nil
        var outcome = RunOutcome(
            parameters: parameters, elapsed: elapsed, rateWindow: rateWindow, total: total,
            memoryPerDialogBytes: memoryPerDialogBytes ?? lastMemoryPerDialog, conditions: options.conditions)
        if !fileErrors.isEmpty { outcome.markRuntimeError() }
        if let path = options.reportPath {
            do {
                try RunReport(outcome: outcome, timeline: timeline, toolVersion: options.toolVersion)
                    .write(toPath: path)
            } catch {
                report(error)
                outcome.markRuntimeError()
            }
        }
        if view != nil { write("\n") }
        write(SummaryTable(outcome).text)
        return outcome
    }

    private func report(_ error: ReportFileError) {
        fileErrors.append(error)
        writeError("sipflow: \(error)\n")
    }
}

extension RunOutcome {
    /// Something outside the calls went wrong (a report file could not be written): verdict failed, exit code 3.
    public mutating func markRuntimeError() {
        verdict = .failed
        exitCode = 3
    }
}
