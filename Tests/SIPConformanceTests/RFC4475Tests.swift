import Foundation
import Testing
import SIPCore
import SIPConformance

/// Where the RFC 4475 corpus is: `$SIPFLOW_RFC4475_DIR`, else `../shared/conformance/rfc4475` beside the clone.
enum RFC4475Corpus {
    static let directory: URL = {
        if let env = ProcessInfo.processInfo.environment["SIPFLOW_RFC4475_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        // Tests/SIPConformanceTests/RFC4475Tests.swift -> repository root -> ../shared/conformance/rfc4475
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/conformance/rfc4475", isDirectory: true)
    }()

    static var manifestURL: URL { directory.appendingPathComponent("MANIFEST.tsv") }

    static var isPresent: Bool { FileManager.default.fileExists(atPath: manifestURL.path) }

    /// Whether `$SIPFLOW_RFC4475_DIR` names a corpus: then it must be there, not skipped.
    static var isRequested: Bool { !(ProcessInfo.processInfo.environment["SIPFLOW_RFC4475_DIR"] ?? "").isEmpty }

    /// The one line a run without the corpus shows for the skipped suite.
    static var absence: Comment {
        "RFC 4475 corpus not found at \(directory.path) (clone beside ../shared, or set SIPFLOW_RFC4475_DIR)"
    }
}

/// The RFC 4475 torture messages, run through the datagram parser and the message checker.
///
/// The corpus lives outside the repository (`../shared/conformance/rfc4475` next to the clone, or
/// `$SIPFLOW_RFC4475_DIR`); without it the suite is skipped, and the test output says so in one line. Fixture tests
/// cover each rule for clones without the corpus.
@Suite(.enabled(if: RFC4475Corpus.isPresent, RFC4475Corpus.absence)) struct RFC4475Tests {
    static var corpusDirectory: URL { RFC4475Corpus.directory }
    static var manifestURL: URL { RFC4475Corpus.manifestURL }

    /// What a file must produce: the rule IDs that name its defect and the severity they carry.
    struct Expectation {
        let rules: [String]
        let severity: Severity
    }

    /// For each invalid or semantic message: the rules that name the real defect (RFC 4475 §3), all required.
    static let expectations: [String: Expectation] = [
        // 3.1.2 invalid messages
        "badinv01.dat": .init(rules: ["rfc3261.20.42.via-syntax", "rfc3261.20.10.contact-syntax"], severity: .error),
        "clerr.dat": .init(rules: ["rfc3261.18.3.content-length-exceeds-body"], severity: .error),
        "ncl.dat": .init(rules: ["rfc3261.20.14.content-length-syntax"], severity: .error),
        "scalar02.dat": .init(rules: ["rfc3261.20.16.cseq-syntax", "rfc3261.20.22.max-forwards-syntax",
                                      "rfc3261.25.1.delta-seconds"], severity: .error),
        "scalarlg.dat": .init(rules: ["rfc3261.20.16.cseq-syntax", "rfc3261.25.1.delta-seconds",
                                      "rfc3261.20.43.warning-syntax"], severity: .error),
        "quotbal.dat": .init(rules: ["rfc3261.20.39.to-syntax"], severity: .error),
        "ltgtruri.dat": .init(rules: ["rfc3261.7.1.request-uri-angle-brackets"], severity: .error),
        "lwsruri.dat": .init(rules: ["rfc3261.7.1.request-uri-whitespace"], severity: .error),
        "lwsstart.dat": .init(rules: ["rfc3261.7.1.request-line-whitespace"], severity: .error),
        "trws.dat": .init(rules: ["rfc3261.7.1.request-line-whitespace"], severity: .error),
        "escruri.dat": .init(rules: ["rfc3261.19.1.1.request-uri-headers"], severity: .error),
        "baddate.dat": .init(rules: ["rfc3261.20.17.date-format"], severity: .error),
        "regbadct.dat": .init(rules: ["rfc3261.20.10.contact-syntax"], severity: .error),
        "badaspec.dat": .init(rules: ["rfc3261.20.39.to-syntax"], severity: .error),
        "baddn.dat": .init(rules: ["rfc3261.20.20.from-syntax", "rfc3261.20.39.to-syntax"], severity: .error),
        "badvers.dat": .init(rules: ["rfc3261.7.1.sip-version", "rfc3261.20.42.via-sent-protocol"], severity: .error),
        "mismatch01.dat": .init(rules: ["rfc3261.8.1.1.5.cseq-method"], severity: .error),
        "mismatch02.dat": .init(rules: ["rfc3261.8.1.1.5.cseq-method"], severity: .error),
        "bigcode.dat": .init(rules: ["rfc3261.7.2.status-code-range", "rfc3261.7.2.status-line-syntax"],
                             severity: .error),
        // 3.2 / 3.3 / 3.4 semantic messages
        "badbranch.dat": .init(rules: ["rfc3261.8.1.1.7.branch-cookie"], severity: .warning),
        "insuf.dat": .init(rules: ["rfc3261.8.1.1.required-header"], severity: .error),
        "unkscm.dat": .init(rules: ["rfc3261.8.2.2.1.request-uri-scheme"], severity: .warning),
        "novelsc.dat": .init(rules: ["rfc3261.8.2.2.1.request-uri-scheme"], severity: .warning),
        "bext01.dat": .init(rules: ["rfc3261.8.2.2.3.unknown-option-tag"], severity: .warning),
        "invut.dat": .init(rules: ["rfc3261.8.2.3.unknown-content-type"], severity: .warning),
        "regaut01.dat": .init(rules: ["rfc3261.22.4.auth-scheme"], severity: .warning),
        "multi01.dat": .init(rules: ["rfc3261.7.3.1.single-valued-header", "rfc3261.8.1.1.8.single-contact"],
                             severity: .error),
        "mcl01.dat": .init(rules: ["rfc3261.20.14.multiple-content-length"], severity: .error),
        "bcast.dat": .init(rules: ["rfc4475.3.3.10.via-broadcast"], severity: .warning),
        "zeromf.dat": .init(rules: ["rfc3261.16.3.max-forwards-zero"], severity: .warning),
        "regescrt.dat": .init(rules: ["rfc4475.3.3.14.register-contact-uri-headers"], severity: .warning),
        "sdp01.dat": .init(rules: ["rfc3261.20.1.accept-excludes-body"], severity: .warning),
        "inv2543.dat": .init(rules: ["rfc3261.8.1.1.7.branch-cookie", "rfc3261.8.1.1.3.from-tag",
                                     "rfc3261.8.1.1.rfc2543-missing-header"], severity: .warning),
    ]

    struct Entry {
        let file: String
        let section: String
        let expect: String
        let what: String
    }

    /// The manifest entries; throws when MANIFEST.tsv cannot be read (the suite runs only when it exists).
    static func manifest() throws -> [Entry] {
        let text = try String(contentsOf: manifestURL, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 4 else { return nil }
            return Entry(file: cols[0], section: cols[1], expect: cols[2], what: cols[3])
        }
    }

    /// Parses a datagram and checks it: parse errors become findings too.
    static func findings(for bytes: [UInt8]) -> (SIPMessage?, [Finding]) {
        do {
            let m = try SIPParser().parse(bytes)
            return (m, MessageChecker().check(m))
        } catch {
            return (nil, MessageChecker().findings(for: error))
        }
    }

    @Test func manifestListsAll49MessagesAndTheTableCoversEveryNonValidOne() throws {
        let entries = try Self.manifest()
        #expect(entries.count == 49)
        // The manifest's header: 16 valid messages (RFC 4475 §3.1.1 and three of §3.3), 19 invalid, 14 semantic.
        #expect(entries.filter { $0.expect == "valid" }.count == 16)
        #expect(entries.filter { $0.expect == "invalid" }.count == 19)
        #expect(entries.filter { $0.expect == "semantic" }.count == 14)
        let nonValid = Set(entries.filter { $0.expect != "valid" }.map(\.file))
        #expect(nonValid == Set(Self.expectations.keys))
        for (file, e) in Self.expectations {
            for id in e.rules {
                let rule = RuleCatalogue.rule(id: id)
                #expect(rule != nil, "\(file): \(id) is not in the catalogue")
                #expect(rule?.severity == e.severity, "\(file): \(id) is not of severity \(e.severity)")
            }
        }
    }

    /// The manifest and the directory list the same 49 files, so no message goes untested.
    @Test func theManifestListsExactlyTheCorpusFiles() throws {
        let listed = Set(try Self.manifest().map(\.file))
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.corpusDirectory.path)
            .filter { $0.hasSuffix(".dat") })
        #expect(present.count == 49)
        #expect(listed.subtracting(present).isEmpty, "listed but missing: \(listed.subtracting(present).sorted())")
        #expect(present.subtracting(listed).isEmpty, "present but not listed: \(present.subtracting(listed).sorted())")
    }

    @Test func everyTortureMessageMeetsItsExpectation() throws {
        let entries = try Self.manifest()
        try #require(!entries.isEmpty, "MANIFEST.tsv lists no message")
        for entry in entries {
            let url = Self.corpusDirectory.appendingPathComponent(entry.file)
            let bytes = try [UInt8](Data(contentsOf: url))
            let (message, findings) = Self.findings(for: bytes)
            let ids = Set(findings.map(\.rule.id))
            let errors = findings.filter { $0.severity == .error }
            let summary = findings.map { "\($0.rule.id)@\($0.line ?? 0): \($0.message)" }.joined(separator: "\n  ")
            switch entry.expect {
            case "valid":
                #expect(message != nil, "\(entry.file) must parse")
                #expect(errors.isEmpty, "\(entry.file) is valid but got errors:\n  \(summary)")
                if let message {
                    let again = try? SIPMessage(parsing: message.serialized())
                    #expect(again == message, "\(entry.file) does not round-trip parse -> serialize -> parse")
                }
            default:
                guard let e = Self.expectations[entry.file] else {
                    Issue.record("\(entry.file) has no expectation")
                    continue
                }
                for id in e.rules {
                    #expect(ids.contains(id), "\(entry.file) (\(entry.what)) lacks \(id); got:\n  \(summary)")
                }
                if e.severity == .error {
                    #expect(!errors.isEmpty, "\(entry.file) must get an error; got:\n  \(summary)")
                }
                if e.severity == .warning {
                    // Warning-only cases are otherwise well-formed messages: no finding may be an error.
                    #expect(errors.isEmpty, "\(entry.file) must only get warnings; got:\n  \(summary)")
                }
            }
        }
    }
}

/// A corpus asked for by `$SIPFLOW_RFC4475_DIR` is really there: a wrong path fails instead of skipping the suite.
@Test func aRequestedRFC4475CorpusIsPresent() {
    #expect(!RFC4475Corpus.isRequested || RFC4475Corpus.isPresent,
            "SIPFLOW_RFC4475_DIR: no MANIFEST.tsv in \(RFC4475Corpus.directory.path)")
}
