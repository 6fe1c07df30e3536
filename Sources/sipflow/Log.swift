import ArgumentParser
import Logging
import SIPRunControl
import Synchronization

/// The one path of diagnostics (swift-log through `SipflowLogHandler`): each command bootstraps it with its
/// `--log-level` before it says anything. Command-line usage errors, before any command runs, are ArgumentParser's
/// own output (`Stderr`).
enum Log {
    private static let started = Mutex(false)

    /// Routes the process's loggers to standard error at `level`; the first call wins.
    static func bootstrap(_ level: Logger.Level) {
        let first = started.withLock { s in defer { s = true }; return !s }
        if first { SipflowLogHandler.bootstrap(level: level) }
    }

    /// A command's logger: its lines read `sipflow run: …`.
    static func command(_ name: String) -> Logger {
        bootstrap(.notice)  // a command without --log-level
        return Logger(label: "sipflow \(name)")
    }

    /// Errors in what the user gave (a flow file, a data file, an option), printed as they are: they name their
    /// own place (`basic-call.yaml:3:5: error: …`, `sipflow: …`).
    static var input: Logger {
        bootstrap(.notice)
        return Logger(label: "")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
