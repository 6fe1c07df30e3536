import Foundation
import NIOCore
import NIOPosix
import Testing

/// Real SIP software for the interop tests: SIPp, Kamailio and the `sipflow` binary, started on loopback and always
/// stopped. Tests that need a tool that is not installed skip, except under CI (env `CI`), where they fail.
enum Peers {
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// Whether a test needing `tools` should run: they are installed, or this is CI (which must have them).
    static func available(_ tools: String...) -> Bool {
        let missing = tools.filter { path(of: $0) == nil }
        if missing.isEmpty { return true }
        if isCI { return true }
        print("interop: \(missing.joined(separator: ", ")) not installed: skipping (scripts/test.sh installs them)")
        return false
    }

    static func path(of tool: String) -> String? {
        for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"] {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// The sipflow binary: `$SIPFLOW_BIN` (scripts/test.sh points it at a release build), else the debug build
    /// next to the test bundle.
    static var sipflow: String {
        if let bin = ProcessInfo.processInfo.environment["SIPFLOW_BIN"], !bin.isEmpty { return bin }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("sipflow").path
    }

    /// Load tests run at the issue's rates on a release build and at a tenth of them on a debug build.
    static var isReleaseBinary: Bool { sipflow.contains("/release/") }

    static func rate(_ full: Int) -> Int { isReleaseBinary ? full : max(10, full / 10) }

    /// A UDP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A fresh directory for one test's files.
    static func workDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sipflow-interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// A child process whose output goes to files, killed when the test is done with it.
final class PeerProcess: @unchecked Sendable {
    // @unchecked: used from one test task at a time.
    let name: String
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    init(_ executable: String, _ arguments: [String], in dir: URL, name: String) throws {
        self.name = name
        stdoutURL = dir.appendingPathComponent("\(name).out")
        stderrURL = dir.appendingPathComponent("\(name).err")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : Peers.path(of: executable) ?? executable)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit by itself, at most `limit`; kills it after that.
    @discardableResult
    func wait(atMost limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            stop()
            return nil
        }
        return process.terminationStatus
    }

    /// Waits until `text` appears on standard error or standard output, at most `limit`.
    func waitFor(_ text: String, atMost limit: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if stderr.contains(text) || stdout.contains(text) { return true }
            if !process.isRunning { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    func signal(_ sig: Int32) {
        if process.isRunning { kill(process.processIdentifier, sig) }
    }

    /// SIGTERM, then SIGKILL if it lingers.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<40 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// The final statistics line of a SIPp `-trace_stat` CSV file, by column name.
struct SIPpStats {
    let values: [String: String]

    init(csv url: URL) throws {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        guard let header = lines.first, let last = lines.last, lines.count > 1 else {
            throw InteropError("SIPp wrote no statistics to \(url.path)")
        }
        values = Dictionary(zip(header.split(separator: ";").map(String.init),
                                last.split(separator: ";", omittingEmptySubsequences: false).map(String.init)),
                            uniquingKeysWith: { a, _ in a })
    }

    func count(_ column: String) -> Int { Int(values[column] ?? "") ?? -1 }
}

struct InteropError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
