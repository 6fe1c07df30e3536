import Foundation
import Logging

/// sipflow's one path for diagnostics: swift-log, printed to standard error one line a message as the tool has
/// always printed them — `sipflow run: listening on UDP 127.0.0.1:5060` — with the level named for debug, trace and
/// warning lines (`sipflow run: debug: …`). A logger with an empty label prints its messages bare (errors in a
/// user's input, which name their own place). Outputs (the live view, the summary, JSON, a probe's verdict) are
/// not diagnostics and do not come here.
public struct SipflowLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level, write: @escaping @Sendable (String) -> Void = SipflowLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        let named = level == .trace || level == .debug || level == .warning ? "\(level): " : ""
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let message = event.message
        let tail = all.isEmpty ? "" : " (" + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        write((label.isEmpty ? "" : "\(label): ") + "\(named)\(message)\(tail)\n")
    }

    /// Writes to standard error unbuffered, in one write.
    @Sendable public static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Routes every logger of the process to this handler at `level` (once, at start; later calls do nothing).
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in SipflowLogHandler(label: label, level: level) }
    }
}

extension Logger.Level {
    /// `--log-level` values, as swift-log names the levels.
    public static var names: [String] { allCases.map(\.rawValue) }
}
