import Testing
@testable import SIPCore

/// The byte classes of RFC 3261 §25.1, checked against their definitions for every octet.
@Suite struct ByteClassTests {
    @Test func tablesHaveAnEntryForEveryOctet() {
        #expect(ASCII.tokenFlags.utf8CodeUnitCount == 256)
        #expect(ASCII.wordFlags.utf8CodeUnitCount == 256)
        #expect(ASCII.paramValueFlags.utf8CodeUnitCount == 256)
        #expect(ASCII.hostFlags.utf8CodeUnitCount == 256)
    }

    @Test func tokenAndWordMatchTheGrammar() {
        let tokenExtra = Array("-.!%*_+`'~".utf8), wordExtra = Array("()<>:\\\"/[]?{}".utf8)
        for i in 0...255 {
            let b = UInt8(i)
            let token = ASCII.isDigit(b) || ASCII.isAlpha(b) || tokenExtra.contains(b)
            #expect(ASCII.isToken(b) == token, "token \(i)")
            #expect(ASCII.isWord(b) == (token || wordExtra.contains(b)), "word \(i)")
            #expect(ASCII.isParamValue(b) == (token || b == ASCII.colon || b == ASCII.lBracket || b == ASCII.rBracket), "param \(i)")
            #expect(ASCII.isHostChar(b) == (ASCII.isAlpha(b) || ASCII.isDigit(b) || b == 0x2D || b == 0x2E), "host \(i)")
        }
    }

    @Test func uriCharacterTablesMatchTheGrammar() {
        #expect(SIPURI.userFlags.utf8CodeUnitCount == 256)
        #expect(SIPURI.passwordFlags.utf8CodeUnitCount == 256)
        #expect(SIPURI.paramFlags.utf8CodeUnitCount == 256)
        #expect(SIPURI.headerFlags.utf8CodeUnitCount == 256)
        for i in 0...255 {
            let b = UInt8(i)
            let unreserved = SIPURI.isUnreserved(b)
            #expect(SIPURI.isUserChar(b) == (unreserved || "&=+$,;?/".utf8.contains(b)), "user \(i)")
            #expect(SIPURI.isPasswordChar(b) == (unreserved || "&=+$,".utf8.contains(b)), "password \(i)")
            #expect(SIPURI.isParamChar(b) == (unreserved || "[]/:&+$".utf8.contains(b)), "param \(i)")
            #expect(SIPURI.isHeaderChar(b) == (unreserved || "[]/?:+$".utf8.contains(b)), "header \(i)")
        }
    }
}
