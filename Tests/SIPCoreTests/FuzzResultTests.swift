import Testing
import TestSupport
@testable import SIPCore

/// Inputs the fuzzers found, kept byte for byte (after minimising) so the defects stay fixed. Each test names the
/// fuzzer that found it and what went wrong.
@Suite struct FuzzResultTests {
    /// Parses `bytes`, checks its canonical form re-parses equal and is stable, and returns the message.
    @discardableResult
    func roundTrip(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> SIPMessage {
        let m = try SIPMessage(parsing: bytes)
        let canonical = m.serialized()
        let again = try SIPMessage(parsing: canonical)
        #expect(again == m, sourceLocation: sourceLocation)
        #expect(again.serialized() == canonical, sourceLocation: sourceLocation)
        var rng = SplitMix64(seed: 1)
        FuzzExercise.run(bytes, rng: &rng)
        return m
    }

    /// MutationFuzzTests: a bare CR right after the colon of a folded header became a leading SP of the unfolded
    /// value; the canonical form then re-parsed to a different value (`d <sip:…>` instead of ` d <sip:…>`).
    @Test func bareCRAtStartOfFoldedValue() throws {
        let m = try roundTrip(octets("OPTIONS sip:a SIP/2.0\r\nContact:\rd\n  <sip:c@h>\r\nl: 0\r\n\r\n"))
        #expect(m.firstValue(.contact) == "d <sip:c@h>")
    }

    /// MutationFuzzTests (wsinv.dat mutant): CR NUL before the fold of a To header.
    @Test func crNulBeforeFold() throws {
        let m = try roundTrip(octets("INVITE sip:v@e SIP/2.0\r\nTO :\r\u{0}\n sip:v@e ;   tag    = 1918\r\nl: 0\r\n\r\n"))
        #expect(m.firstValue(.to) == "\u{0} sip:v@e ;   tag    = 1918")
    }

    /// The same defect at the other end: a value ending in a bare CR followed by a blank continuation line.
    @Test func bareCRAtEndOfFoldedValue() throws {
        let m = try roundTrip(octets("OPTIONS sip:a SIP/2.0\r\nSubject: a\r\r\n \r\nl: 0\r\n\r\n"))
        #expect(m.firstValue(.subject) == "a")
    }
}
