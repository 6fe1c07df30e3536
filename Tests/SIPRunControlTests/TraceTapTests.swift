import Foundation
import Logging
import NIOCore
import SIPTransport
import Synchronization
import Testing
@testable import SIPRunControl

/// The --trace file: one header line a message, the message, a blank line; everything recorded is on disk after
/// `flush()`, from several threads at once.
@Suite struct TraceTapTests {
    static let local = try! SocketAddress(ipAddress: "127.0.0.1", port: 5070)
    static let remote = try! SocketAddress(ipAddress: "::1", port: 5060)

    static func event(_ n: Int, direction: SIPDirection = .sent, call: Int? = 16, rules: [String] = []) -> SIPTapEvent {
        SIPTapEvent(direction: direction, transport: .udp, local: local, remote: remote,
                    timestamp: 1_796_644_268_123_456_789, bytes: Array("OPTIONS sip:x SIP/2.0\r\nCSeq: \(n) OPTIONS\r\n\r\n".utf8),
                    call: call, rules: rules)
    }

    @Test func theHeaderLineNamesTimeCallDirectionAddressesAndRules() {
        #expect(TraceTap.header(Self.event(1)) == "2026-12-07T11:51:08.123456Z call 17 sent UDP 127.0.0.1:5070 -> [::1]:5060")
        #expect(TraceTap.header(Self.event(1, direction: .received, call: nil, rules: ["rfc3261.a", "rfc3261.b"]))
                == "2026-12-07T11:51:08.123456Z no call received UDP [::1]:5060 -> 127.0.0.1:5070 (rules: rfc3261.a, rfc3261.b)")
    }

    @Test func everythingRecordedIsInTheFileAfterFlush() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString)").path
        let tap = try TraceTap(path: path)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask { for i in 0..<1000 { tap.record(Self.event(t * 1000 + i)) } }
            }
        }
        tap.flush()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let headers = text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("2026-12-07T") }
        #expect(headers.count == 4000)
        for n in [0, 999, 1000, 3999] { #expect(text.contains("CSeq: \(n) OPTIONS\r\n"), "message \(n)") }
        #expect(text.hasSuffix("\r\n\r\n\r\n"), "each message ends with a blank line")
        tap.close()
    }

    @Test func aFileThatCannotBeMadeIsOneSentence() {
        #expect(throws: TraceTap.TraceError.self) { try TraceTap(path: "/nonexistent-dir/x.trace") }
        let message = (try? TraceTap(path: "/nonexistent-dir/x.trace")).map { _ in "" } ?? {
            do { _ = try TraceTap(path: "/nonexistent-dir/x.trace"); return "" } catch { return "\(error)" }
        }()
        #expect(message == "--trace: cannot create '/nonexistent-dir/x.trace': No such file or directory")
    }
}

/// The one diagnostics path: `sipflow run: …`, the level named for debug, trace and warning.
@Suite struct SipflowLogHandlerTests {
    final class Lines: Sendable {
        let value = Mutex<[String]>([])
    }

    @Test func linesReadAsTheToolHasAlwaysPrintedThem() {
        let lines = Lines()
        let handler = SipflowLogHandler(label: "sipflow run", level: .info) { text in lines.value.withLock { $0.append(text) } }
        let logger = Logger(label: "sipflow run") { _ in handler }
        logger.notice("listening on UDP 127.0.0.1:5060")
        logger.warning("something odd")
        logger.debug("hidden at info")
        logger.error("cannot resolve 'x'")
        Logger(label: "") { _ in SipflowLogHandler(label: "", level: .info) { t in lines.value.withLock { $0.append(t) } } }
            .error("flow.yaml:3:5: error: bad")
        #expect(lines.value.withLock { $0 } == ["sipflow run: listening on UDP 127.0.0.1:5060\n",
                                                 "sipflow run: warning: something odd\n",
                                                 "sipflow run: cannot resolve 'x'\n",
                                                 "flow.yaml:3:5: error: bad\n"])
    }
}
