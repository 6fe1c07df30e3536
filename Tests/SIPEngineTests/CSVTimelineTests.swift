import Foundation
import Testing
@testable import SIPEngine

@Suite struct CSVTimelineTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sipflow-\(UUID().uuidString)-\(name)").path
    }

    static func contents(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    @Test func theHeaderNamesEveryColumn() {
        #expect(
            TimelineRow.csvHeader
                == "elapsed_s,target_rate,actual_rate,active,started,completed,failed,retransmissions,messages_sent,"
                + "messages_received,pdd_p50_ms,pdd_p99_ms,setup_p50_ms,setup_p99_ms,bye_p50_ms,bye_p99_ms,"
                + "register_p50_ms,register_p99_ms,options_p50_ms,options_p99_ms,srd_p50_ms,srd_p99_ms,"
                + "lateness_p50_ms,lateness_p99_ms")
    }

    @Test func aRowHoldsTheIntervalAndLeavesMetricsWithoutSamplesEmpty() {
        var s = ReportFixtures.snapshot(elapsed: .milliseconds(12_003))
        s.targetRate = 250.25
        s.intervalSeconds = 0.75
        let row = TimelineRow(s).csvRow
        #expect(row == "12.003,250.25,133.333,37,100,98,2,1,400,399,,,1,1.1,,,,,,,,,,")
        #expect(row.split(separator: ",", omittingEmptySubsequences: false).count
            == TimelineRow.csvHeader.split(separator: ",").count)
    }

    @Test func eachRowIsOnDiskAsSoonAsItIsAppended() throws {
        let path = Self.temporaryPath("stats.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let csv = try CSVTimeline(path: path)
        #expect(try Self.contents(path) == TimelineRow.csvHeader + "\n")
        let first = try csv.append(ReportFixtures.snapshot(elapsed: .seconds(1)))
        #expect(first.elapsedSeconds == 1)
        #expect(try Self.contents(path) == TimelineRow.csvHeader + "\n" + first.csvRow + "\n")
        try csv.append(ReportFixtures.snapshot(elapsed: .seconds(2)))
        // Not closed yet: both rows are already in the file.
        let lines = try Self.contents(path).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[2].hasPrefix("2,100,100,37,100,98,2,1,"))
        csv.close()
        #expect(throws: ReportFileError(path: path, action: "write to", reason: "the file is closed")) {
            try csv.append(ReportFixtures.snapshot())
        }
    }

    @Test func anExistingFileIsReplaced() throws {
        let path = Self.temporaryPath("old.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(String(repeating: "old data\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
        _ = try CSVTimeline(path: path)
        #expect(try Self.contents(path) == TimelineRow.csvHeader + "\n")
    }

    @Test func aFileThatCannotBeOpenedSaysWhichAndWhy() {
        let missing = "/nonexistent-sipflow-dir/stats.csv"
        #expect {
            _ = try CSVTimeline(path: missing)
        } throws: { error in
            "\(error)" == "cannot open '/nonexistent-sipflow-dir/stats.csv': No such file or directory"
        }
        let directory = FileManager.default.temporaryDirectory.path
        #expect {
            _ = try CSVTimeline(path: directory)
        } throws: { error in
            "\(error)" == "cannot open '\(directory)': Is a directory"
        }
    }
}
