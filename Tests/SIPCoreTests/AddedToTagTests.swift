import SIPCore
import Testing

/// `SIPMessage.addedToTag(answering:)` reads the tag a UAS added to the request's To from the bytes. When it gives
/// one, parsing the To must give the same tag and the request's URI; when it cannot tell, it gives none.
@Suite struct AddedToTagTests {
    static func pair(_ requestTo: String, _ responseTo: String) throws -> (SIPMessage, SIPMessage) {
        let request = try SIPMessage(parsing: "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
            + "To: \(requestTo)\r\nFrom: <sip:alice@example.com>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        let response = try SIPMessage(parsing: "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
            + "To: \(responseTo)\r\nFrom: <sip:alice@example.com>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        return (request, response)
    }

    @Test(arguments: [
        ("Bob <sip:bob@example.com>", "Bob <sip:bob@example.com>;tag=a6c85cf", "a6c85cf"),
        ("<sip:bob@example.com;transport=udp>", "<sip:bob@example.com;transport=udp>;tag=x.y-z", "x.y-z"),
        ("sip:bob@example.com", "sip:bob@example.com;tag=1", "1"),
        ("\"Bob; Jr\" <sip:bob@example.com>", "\"Bob; Jr\" <sip:bob@example.com>;tag=t", "t"),
    ])
    func aTagAddedToTheRequestsToIsRead(_ requestTo: String, _ responseTo: String, _ tag: String) throws {
        let (request, response) = try Self.pair(requestTo, responseTo)
        let added = try #require(response.addedToTag(answering: request))
        #expect(added.tag == ByteString(tag))
        #expect(added.tag == response.to?.tag, "the parse agrees")
        #expect(response.to?.uri == request.to?.uri)
        #expect(added.field == response.firstField(.to))
    }

    @Test(arguments: [
        ("Bob <sip:bob@example.com>", "Bob <sip:bob@example.com>"),  // no tag
        ("Bob <sip:bob@example.com>;tag=dlg1", "Bob <sip:bob@example.com>;tag=dlg1;tag=a6c85cf"),  // the request's own tag
        ("sip:bob@example.com;x=1", "sip:bob@example.com;x=1;tag=a6c85cf"),  // a parameter outside <>
        ("Bob <sip:bob@example.com>", "Bob <sip:bob@example.com>;TAG=a6c85cf"),  // spelled otherwise
        ("Bob <sip:bob@example.com>", "Bob <sip:bob@example.com> ;tag=a6c85cf"),
        ("Bob <sip:bob@example.com>", "Bob <sip:bob@example.com>;tag="),  // empty
        ("Bob <sip:bob@example.com>", "Bob <sip:bob@example.com>;tag=a;x=1"),  // more after the tag
        ("Bob <sip:bob@example.com>", "Bob <sip:bob@example.com>;tag=\"a\""),  // not a token
        ("Bob <sip:bob@example.com>", "Bob <sip:bob@example.org>;tag=a6c85cf"),  // another URI
        ("Bob <sip:bob@example.com>", "bob <sip:bob@example.com>;tag=a6c85cf"),  // other bytes
        ("\"Bob", "\"Bob;tag=a6c85cf\" <sip:carol@example.com>"),
    ])
    func otherwiseThereIsNone(_ requestTo: String, _ responseTo: String) throws {
        let (request, response) = try Self.pair(requestTo, responseTo)
        #expect(response.addedToTag(answering: request) == nil)
    }

    @Test func aFoldedToIsLeftToTheParse() throws {
        let (request, response) = try Self.pair("Bob <sip:bob@example.com>", "Bob\r\n <sip:bob@example.com>;tag=a6c85cf")
        #expect(response.addedToTag(answering: request) == nil)
        let (folded, answer) = try Self.pair("Bob\r\n <sip:bob@example.com>", "Bob\r\n <sip:bob@example.com>;tag=a6c85cf")
        #expect(answer.addedToTag(answering: folded) == nil)
    }
}
