import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport

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
        guard let port = freeLoopbackUDPPort() else { throw InteropError("cannot bind a UDP socket on 127.0.0.1") }
        return port
    }

    /// A fresh directory for one test's files.
    /// `sipflow serve FLOW` on 127.0.0.1:`port`, started and listening (an expectation fails otherwise).
    static func serve(_ flow: String, port: Int, in dir: URL, _ extra: [String] = []) async throws -> PeerProcess {
        let serve = try PeerProcess(sipflow, ["serve", flow, "--listen", "127.0.0.1:\(port)", "--plain"] + extra, in: dir, name: "serve")
        #expect(await serve.waitFor("listening on UDP"), "\(serve.stderr)")
        return serve
    }

    static func workDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sipflow-interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// A child process whose output goes to files, killed (with its process group) when the test is done with it.
///
/// Spawned with `posix_spawn`, not Foundation's `Process`: a child inherits the spawning thread's signal mask, and
/// Swift's worker threads block almost every signal, which stops Kamailio's timers (no pings, no timeouts).
/// Here the child starts with no signal blocked, default dispositions, and a process group of its own.
final class PeerProcess: @unchecked Sendable {
    // @unchecked: used from one test task at a time.
    let name: String
    let pid: pid_t
    let stdoutURL: URL
    let stderrURL: URL
    private var status: Int32?

    init(_ executable: String, _ arguments: [String], in dir: URL, name: String) throws {
        self.name = name
        stdoutURL = dir.appendingPathComponent("\(name).out")
        stderrURL = dir.appendingPathComponent("\(name).err")
        let path = executable.hasPrefix("/") ? executable : Peers.path(of: executable) ?? executable
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else is inherited: a long-lived peer holding another test's pipe would keep that test's read
        // (e.g. CLIRunner's) from reaching end-of-file, and a blocked worker thread can stall the whole run.
        Self.closeFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        // `env -C DIR` runs the program in the test's directory (posix_spawn has no portable chdir action).
        let argv = (["/usr/bin/env", "-C", dir.path, path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/usr/bin/env", &actions, &attributes, argv, environ)
        guard rc == 0 else { throw InteropError("cannot start \(path): \(String(cString: strerror(rc)))") }
        pid = child
    }

    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which the Swift Glibc module does not export.
    static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0),
                                                   "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Closes every descriptor from `low` up in the child: with glibc's call, else one by one from /proc/self/fd.
    static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ low: Int32) {
        if let addCloseFrom, addCloseFrom(&actions, low) == 0 { return }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd >= low && fcntl(fd, F_GETFD) != -1 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Whether the process is still running (reaps it when it has ended).
    var isRunning: Bool {
        guard status == nil else { return false }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        if r == 0 { return true }
        // The exit code, or 128 + the signal that ended it.
        status = r == pid ? ((raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)) : -1
        return false
    }

    /// Waits for the process to exit by itself, at most `limit`; kills it after that (and returns nil).
    @discardableResult
    func wait(atMost limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if isRunning {
            stop()
            return nil
        }
        return status
    }

    /// Waits until `text` appears on standard error or standard output, at most `limit`.
    func waitFor(_ text: String, atMost limit: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            // Looked at once more after the deadline: the sleep may have lasted past it (a test task waits for a
            // thread of the shared pool that other suites' tests hold).
            if stderr.contains(text) || stdout.contains(text) { return true }
            if !isRunning || ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Sends `sig` to the process alone.
    func signal(_ sig: Int32) {
        if isRunning { kill(pid, sig) }
    }

    /// SIGTERM to the whole process group, then SIGKILL if anything lingers.
    func stop() {
        if isRunning {
            kill(-pid, SIGTERM)
            for _ in 0..<40 where isRunning { usleep(50_000) }
            if isRunning { kill(-pid, SIGKILL) }
            while isRunning { usleep(10_000) }
        }
        kill(-pid, SIGKILL)  // children that outlived their parent (Kamailio's workers)
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
