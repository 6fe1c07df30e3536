import Foundation
import Testing
@testable import SIPEngine

@Suite struct RunReporterTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sipflow-\(UUID().uuidString)-\(name)").path
    }

    @Test func aRunShowsEachSecondThenWritesEveryReport() throws {
        let (csvPath, jsonPath) = (Self.temporaryPath("stats.csv"), Self.temporaryPath("run.json"))
        defer { for p in [csvPath, jsonPath] { try? FileManager.default.removeItem(atPath: p) } }
        let out = Captured(), err = Captured()
        let options = RunReporter.Options(
            liveView: .plain, csvPath: csvPath, reportPath: jsonPath,
            conditions: [try Threshold(parsing: "failed > 0.5%")], toolVersion: "0.1.0")
        let reporter = try RunReporter(
            parameters: ReportFixtures.parameters, options: options, write: out.write, writeError: err.write)
        for t in 1...3 { reporter.record(ReportFixtures.snapshot(elapsed: .seconds(t))) }
        let outcome = reporter.finish(elapsed: .seconds(12), rateWindow: .seconds(10), total: ReportFixtures.total)

        #expect(outcome.exitCode == 1)
        #expect(outcome.memoryPerDialogBytes == 2150)
        #expect(err.all.isEmpty)
        let text = out.all.joined()
        #expect(text.hasPrefix("t=1s rate=100.0/100 "))
        #expect(text.contains("\nt=3s rate=100.0/100 "))
        #expect(text.contains("\n\nRun\n  flow         uac-basic\n"))
        #expect(text.hasSuffix("Verdict: FAILED, 10 calls failed, 1 of 1 conditions crossed (exit code 1)\n"))
        let csv = String(decoding: try Data(contentsOf: URL(fileURLWithPath: csvPath)), as: UTF8.self)
        #expect(csv.split(separator: "\n").count == 4)
        let report = try RunReport.decode(try Data(contentsOf: URL(fileURLWithPath: jsonPath)))
        #expect(report.timeline.map(\.elapsedSeconds) == [1, 2, 3])
        #expect(report.timeline == reporter.timeline)
        #expect(report.exitCode == 1)
        #expect(report.totals.achievedRate == 100)
    }

    @Test func aCSVPathThatCannotBeOpenedFailsBeforeTheRun() {
        let options = RunReporter.Options(liveView: nil, csvPath: "/nonexistent-sipflow/stats.csv", toolVersion: "0")
        #expect(throws: ReportFileError(path: "/nonexistent-sipflow/stats.csv", action: "open", reason: "No such file or directory")) {
            _ = try RunReporter(parameters: ReportFixtures.parameters, options: options)
        }
    }

    @Test func aReportThatCannotBeWrittenEndsTheRunWithExitCode3() throws {
        let out = Captured(), err = Captured()
        let options = RunReporter.Options(liveView: nil, reportPath: "/nonexistent-sipflow/run.json", toolVersion: "0")
        let reporter = try RunReporter(
            parameters: ReportFixtures.parameters, options: options, write: out.write, writeError: err.write)
        reporter.record(ReportFixtures.snapshot())
        let outcome = reporter.finish(elapsed: .seconds(1), total: ReportFixtures.cleanTotal)
        #expect(outcome.exitCode == 3)
        #expect(outcome.verdict == .failed)
        #expect(err.all == ["sipflow: cannot open '/nonexistent-sipflow/run.json': No such file or directory\n"])
        #expect(out.all.joined().hasSuffix("Verdict: FAILED (exit code 3)\n"))
        #expect(!out.all.joined().contains("t=12s"))
    }
}
