import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What ping's interop tests add to `Peers`: a required tool, a resource path, and whether a port is bound.
extension Peers {
    /// The tool's path, or a recorded failure (only reached under CI when it is missing).
    static func require(_ tool: String) throws -> String {
        if let p = path(of: tool) { return p }
        Issue.record("\(tool) is not installed, and CI is set: install it (scripts/deps.sh)")
        throw PeerError.missing(tool)
    }

    /// The package root (for Resources/).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func resource(_ name: String) -> String { root.appendingPathComponent("Tests/InteropTests/Resources/\(name)").path }

    /// A free loopback UDP port (0 if the socket calls fail, which makes the peer fail to start visibly).
    static func freeUDPPort() -> Int { (try? freePort()) ?? 0 }

    /// Whether something has bound 127.0.0.1:`port` for UDP (our own bind fails with EADDRINUSE).
    static func isBound(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        return rc != 0 && errno == EADDRINUSE
    }
}

enum PeerError: Error, CustomStringConvertible {
    case missing(String)
    case didNotStart(String)

    var description: String {
        switch self {
        case .missing(let t): "\(t) is not installed"
        case .didNotStart(let why): why
        }
    }
}

/// A child process started with posix_spawn in its own process group, its output in a file, inheriting no other
/// descriptor. Foundation's
/// `Process` is not used: on Linux its `waitUntilExit` can hang inside Swift concurrency, and Kamailio's worker
/// processes must be stopped with their parent (the whole group).
struct Child: Sendable {
    let pid: pid_t

    static func spawn(_ executable: String, _ arguments: [String], output: String) throws -> Child {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else is inherited: a long-lived peer holding another test's pipe would keep that test's read
        // from ever reaching end-of-file.
        Self.closeFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (stopped as a whole); an empty signal mask and default handlers, since the test
        // thread that spawns may block signals (Kamailio's timers and SIGTERM need them).
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw PeerError.didNotStart("cannot start \(executable): \(String(cString: strerror(rc)))") }
        return Child(pid: pid)
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

    /// The exit status once the child has ended (reaping it), or nil while it runs.
    func exited() -> Int32? {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == 0 { return nil }
        if rc < 0 { return -1 }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Waits for the child until `deadline` without blocking a thread; nil when it is still running then.
    func wait(until deadline: Date) async -> Int32? {
        while Date() < deadline {
            if let s = exited() { return s }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return exited()
    }

    /// Waits for the child until `deadline`, blocking (for `stop`, which runs in `defer`).
    func waitBlocking(until deadline: Date) -> Int32? {
        while Date() < deadline {
            if let s = exited() { return s }
            usleep(5_000)
        }
        return exited()
    }

    /// SIGTERM to the child's process group, SIGKILL after `grace`; reaps the child.
    func stop(grace: TimeInterval = 3) {
        kill(-pid, SIGTERM)
        if waitBlocking(until: Date().addingTimeInterval(grace)) == nil {
            kill(-pid, SIGKILL)
            _ = waitBlocking(until: Date().addingTimeInterval(5))
        }
        kill(-pid, SIGKILL)   // workers that outlived their parent
    }
}

/// One running peer (SIPp, Kamailio) listening on `port`, in its own process group. `stop()` ends it and its workers; call it from a `defer`
/// right after `start`.
final class SpawnedPeer: @unchecked Sendable {
    // @unchecked: immutable after start; `stop` is idempotent.
    let child: Child
    let port: Int
    let name: String
    let log: String

    private init(child: Child, port: Int, name: String, log: String) {
        self.child = child
        self.port = port
        self.name = name
        self.log = log
    }

    /// Starts `executable` with the arguments for a port, on a free port (up to three tries when a port turns out
    /// taken), and waits until the port is bound (at most 5 s).
    static func start(_ executable: String, name: String, port fixed: Int? = nil,
                      arguments: (Int) throws -> [String]) async throws -> SpawnedPeer {
        var lastError = ""
        for _ in 0..<3 {
            let port = fixed ?? Peers.freeUDPPort()
            let log = NSTemporaryDirectory() + "sipflow-peer-\(name)-\(port)-\(getpid()).log"
            let child = try Child.spawn(executable, try arguments(port), output: log)
            let peer = SpawnedPeer(child: child, port: port, name: name, log: log)
            let deadline = Date().addingTimeInterval(5)
            var ended = false
            while Date() < deadline, !Peers.isBound(port) {
                if child.exited() != nil { ended = true; break }
                try await Task.sleep(for: .milliseconds(20))
            }
            if !ended, Peers.isBound(port) {
                try await Task.sleep(for: .milliseconds(100))   // bound is not yet reading: give it a moment
                if child.exited() == nil { return peer }
            }
            lastError = "\(name) did not start on port \(port): " + peer.logTail()
            peer.stop()
        }
        throw PeerError.didNotStart(lastError)
    }

    func stop() { child.stop() }

    func logTail() -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return String(text.suffix(600))
    }
}

/// Runs the built `sipflow` binary and captures its output and exit code (killed after `timeout`).
enum SipflowBinary {
    static var path: String? {
        FileManager.default.isExecutableFile(atPath: Peers.sipflow) ? Peers.sipflow : nil
    }

    struct Run { let status: Int32; let stdout: String; let stderr: String }

    static func run(_ arguments: [String], timeout: TimeInterval = 20) async throws -> Run {
        guard let path else { throw PeerError.missing("the sipflow binary (swift build)") }
        let base = NSTemporaryDirectory() + "sipflow-run-\(getpid())-\(UUID().uuidString.prefix(8))"
        // stdout and stderr apart: a shell does the split, the binary is exec'd.
        let script = "exec \"$0\" \"$@\" 2>'\(base).err'"
        let child = try Child.spawn("/bin/sh", ["-c", script, path] + arguments, output: base + ".out")
        var status = await child.wait(until: Date().addingTimeInterval(timeout))
        if status == nil {
            child.stop(grace: 0)
            status = -1
        }
        defer { unlink(base + ".out"); unlink(base + ".err") }
        return Run(status: status ?? -1,
                   stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }
}
