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

/// One running peer (SIPp, Kamailio) listening on a free loopback UDP `port`: a `PeerProcess` that was waited
/// for until it bound the port. `stop()` ends it and its workers; call it from a `defer` right after `start`.
final class SpawnedPeer: Sendable {
    let process: PeerProcess
    let port: Int

    private init(process: PeerProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts `executable` with the arguments for a port, on a free port (up to three tries when a port turns out
    /// taken), and waits until the port is bound (at most 5 s).
    static func start(_ executable: String, name: String, port fixed: Int? = nil,
                      arguments: (Int) throws -> [String]) async throws -> SpawnedPeer {
        var lastError = ""
        for _ in 0..<3 {
            let port = fixed ?? Peers.freeUDPPort()
            let process = try PeerProcess(executable, try arguments(port), in: try Peers.workDirectory(), name: name)
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline, process.isRunning, !Peers.isBound(port) {
                try await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning, Peers.isBound(port) {
                try await Task.sleep(for: .milliseconds(100))   // bound is not yet reading: give it a moment
                if process.isRunning { return SpawnedPeer(process: process, port: port) }
            }
            lastError = "\(name) did not start on port \(port): " + String((process.stderr + process.stdout).suffix(600))
            process.stop()
        }
        throw PeerError.didNotStart(lastError)
    }

    func stop() { process.stop() }
}

/// Runs the `sipflow` binary (`Peers.sipflow`) and captures its output and exit code (killed after `timeout`).
enum SipflowBinary {
    static var path: String? {
        FileManager.default.isExecutableFile(atPath: Peers.sipflow) ? Peers.sipflow : nil
    }

    struct Run { let status: Int32; let stdout: String; let stderr: String }

    static func run(_ arguments: [String], timeout: Duration = .seconds(20)) async throws -> Run {
        guard let path else { throw PeerError.missing("the sipflow binary (swift build)") }
        let process = try PeerProcess(path, arguments, in: try Peers.workDirectory(), name: "sipflow")
        let status = await process.wait(atMost: timeout)
        return Run(status: status ?? -1, stdout: process.stdout, stderr: process.stderr)
    }
}
