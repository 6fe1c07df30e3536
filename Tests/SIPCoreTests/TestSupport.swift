import Foundation
import Testing
@testable import SIPCore

/// Joins lines with CRLF, the way they travel on the wire: `sip("OPTIONS sip:a SIP/2.0", "Call-ID: x", "")`
/// gives `"OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n\r\n"`. An empty last line ends the header section.
func sip(_ lines: String...) -> String { lines.joined(separator: "\r\n") + "\r\n" }

/// `sip(_:)` for a computed list of lines.
func sip(_ lines: [String]) -> String { lines.joined(separator: "\r\n") + "\r\n" }

/// The bytes of `text` as UTF-8.
func octets(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A minimal valid request with `extraHeaders` appended, then the empty line and `body`.
func options(_ extraHeaders: String..., body: String = "") -> String {
    var lines = [
        "OPTIONS sip:bob@example.com SIP/2.0",
        "Via: SIP/2.0/UDP client.example.com;branch=z9hG4bK1",
        "From: <sip:alice@example.com>;tag=a1",
        "To: <sip:bob@example.com>",
        "Call-ID: c1",
        "CSeq: 1 OPTIONS",
    ]
    lines.append(contentsOf: extraHeaders)
    return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
}

extension SIPMessage {
    /// The issue kinds of a parsed message, in order.
    var issueKinds: [SIPParseIssue.Kind] { issues.map(\.kind) }
}

/// Sample messages on disk (`Tests/Fixtures/messages/*.sip`) and, when the shared checkout is beside the
/// repository, the RFC 4475 torture messages. The repository root is three levels above this file.
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/messages/*.sip`, sorted by file name.
    static let messages: [(name: String, bytes: [UInt8])] =
        load(repositoryRoot.appendingPathComponent("Tests/Fixtures/messages"), ext: "sip")

    /// RFC 4475 messages from `../shared/conformance/rfc4475/*.dat`; empty when that directory is absent.
    static let rfc4475: [(name: String, bytes: [UInt8])] = load(
        repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/rfc4475"), ext: "dat")

    static func message(_ name: String) throws -> [UInt8] {
        try #require(messages.first { $0.name == name }?.bytes, "no fixture \(name)")
    }

    private static func load(_ dir: URL, ext: String) -> [(name: String, bytes: [UInt8])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix("." + ext) }.sorted().compactMap { name in
            (try? Data(contentsOf: dir.appendingPathComponent(name))).map { (name, [UInt8]($0)) }
        }
    }
}
