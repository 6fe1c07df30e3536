import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import SIPTransport

/// A tap that keeps what it sees, for assertions.
final class RecordingTap: SIPTap {
    let events = Mutex<[SIPTapEvent]>([])
    func record(_ event: SIPTapEvent) { events.withLock { $0.append(event) } }
}

@Suite struct UDPEndpointTests {
    static let options = Array("OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n".utf8)

    @Test func aDatagramArrivesWholeWithItsSourceAndTheTapSeesBothSides() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let tap = RecordingTap()
        let (stream, continuation) = AsyncStream<InboundMessage>.makeStream()
        let server = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group, tap: tap) {
            message, _ in continuation.yield(message)
        }
        let client = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group, tap: tap) { _, _ in }
        #expect(server.localAddress.port != 0, "port 0 binds a real port, read back")

        client.send(Self.options, to: server.localAddress, flush: true)
        var iterator = stream.makeAsyncIterator()
        let received = try #require(await iterator.next())
        #expect(received.bytes == Self.options)
        #expect(received.source.port == client.localAddress.port)
        #expect(received.transport == .udp)

        let events = tap.events.withLock { $0 }
        #expect(events.count == 2)
        let sent = try #require(events.first { $0.direction == .sent })
        let got = try #require(events.first { $0.direction == .received })
        #expect(sent.bytes == Self.options && got.bytes == Self.options)
        #expect(sent.local.port == client.localAddress.port && sent.remote.port == server.localAddress.port)
        #expect(got.local.port == server.localAddress.port && got.remote.port == client.localAddress.port)
        #expect(got.timestamp >= sent.timestamp)

        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func largeAndEmptyDatagramsArriveWhole() async throws {
        // RFC 3261 §18.1.1 sends messages up to 65,535 bytes over UDP when the path allows; a vector read that split
        // its buffer into small slots would cut them short without a word.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let got = Mutex<[[UInt8]]>([])
        let server = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) {
            message, _ in got.withLock { $0.append(message.bytes) }
        }
        let client = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { _, _ in }
        let sizes = [5_000, 60_000, 0, 300]  // an empty datagram too, which UDP allows
        let sent = sizes.map { size in (0..<size).map { UInt8(truncatingIfNeeded: $0) } }
        for datagram in sent { client.send(datagram, to: server.localAddress, flush: true) }
        for _ in 0..<1000 where got.withLock({ $0.count }) < sent.count { try await Task.sleep(for: .milliseconds(5)) }
        let received = got.withLock { $0 }
        #expect(received.map(\.count) == sizes)
        #expect(received == sent)
        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func queuedSendsGoOutOnFlushInOrder() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (stream, continuation) = AsyncStream<InboundMessage>.makeStream()
        let server = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) {
            message, _ in continuation.yield(message)
        }
        let client = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { _, _ in }
        for i in 0..<5 { client.send(Array("m\(i)".utf8), to: server.localAddress, flush: false) }
        client.flush()
        var got: [String] = []
        for await m in stream {
            got.append(String(decoding: m.bytes, as: UTF8.self))
            if got.count == 5 { break }
        }
        #expect(got == ["m0", "m1", "m2", "m3", "m4"])
        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func whatTheSocketRefusesForNowWaitsAndGoesOutByItselfInOrder() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let got = Mutex<[String]>([])
        let server = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) {
            message, _ in got.withLock { $0.append(String(decoding: message.bytes, as: UTF8.self)) }
        }
        let client = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { _, _ in }
        let writes = try await client.eventLoop.submit { () -> Int in
            // The socket takes two datagrams of the batch, then would block.
            var calls = 0
            client.writer?.write = { socket, headers, count in
                calls += 1
                return calls == 1 ? DatagramWriter.systemWrite(socket, headers, min(count, 2)) : -Int(EAGAIN)
            }
            for i in 0..<4 { client.send(Array("m\(i)".utf8), to: server.localAddress, flush: false) }
            client.flush()
            client.writer?.write = DatagramWriter.systemWrite
            client.send(Array("m4".utf8), to: server.localAddress, flush: false)  // no flush: the retry writes it
            return calls
        }.get()
        #expect(writes == 2, "the second write met EAGAIN")
        for _ in 0..<1000 where got.withLock({ $0.count }) < 5 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(got.withLock { $0 } == ["m0", "m1", "m2", "m3", "m4"], "m2 and m3 waited and went, before m4")
        // Once the backlog is written, sends are batched again.
        let queued = try await client.eventLoop.submit { () -> Int in
            client.send(Array("m5".utf8), to: server.localAddress, flush: false)
            return client.writer?.count ?? -1
        }.get()
        #expect(queued == 1)
        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func aSendAfterAFullBatchTheSocketRefusedWaitsBehindIt() async throws {
        // A send that finds the batch full writes it first; when the socket refuses part of it, that part waits,
        // and this send must not overtake it by staying in the next batch.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let got = Mutex<[String]>([])
        let server = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) {
            message, _ in got.withLock { $0.append(String(decoding: message.bytes, as: UTF8.self)) }
        }
        let client = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { _, _ in }
        let total = DatagramWriter.maxBatch + 1
        try await client.eventLoop.submit {
            var calls = 0
            client.writer?.write = { socket, headers, count in
                calls += 1
                return calls == 1 ? DatagramWriter.systemWrite(socket, headers, min(count, 2)) : -Int(EAGAIN)
            }
            for i in 0..<total { client.send(Array("m\(i)".utf8), to: server.localAddress, flush: false) }
            client.writer?.write = DatagramWriter.systemWrite
            client.flush()
        }.get()
        for _ in 0..<1000 where got.withLock({ $0.count }) < total { try await Task.sleep(for: .milliseconds(5)) }
        #expect(got.withLock { $0 } == (0..<total).map { "m\($0)" })
        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func pacedReadsStopAfterEachBurstUntilResumed() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let got = Mutex<[String]>([])
        let server = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group,
                                                pacedReads: true) { message, _ in
            got.withLock { $0.append(String(decoding: message.bytes, as: UTF8.self)) }
        }
        let client = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { _, _ in }
        func received(_ count: Int) async throws -> [String] {
            for _ in 0..<1000 where got.withLock({ $0.count }) < count { try await Task.sleep(for: .milliseconds(5)) }
            return got.withLock { $0 }
        }

        client.send(Array("a".utf8), to: server.localAddress, flush: true)
        #expect(try await received(1) == ["a"], "an idle endpoint reads at once")
        client.send(Array("b".utf8), to: server.localAddress, flush: false)
        client.send(Array("c".utf8), to: server.localAddress, flush: true)
        try await Task.sleep(for: .milliseconds(200))
        #expect(got.withLock { $0 } == ["a"], "after a burst, datagrams wait in the socket")
        try await server.eventLoop.submit { server.resumeReading() }.get()
        #expect(try await received(3) == ["a", "b", "c"], "resuming reads what waited, in order")
        #expect(try await server.eventLoop.submit { server.readsPaused }.get(), "and that was a burst")
        client.send(Array("d".utf8), to: server.localAddress, flush: true)
        try await Task.sleep(for: .milliseconds(200))
        #expect(got.withLock { $0 } == ["a", "b", "c"], "so the next datagram waits too")
        try await server.eventLoop.submit { server.resumeReading() }.get()
        #expect(try await received(4) == ["a", "b", "c", "d"])
        try await server.eventLoop.submit { server.resumeReading() }.get()
        #expect(try await server.eventLoop.submit { server.readsPaused }.get() == false, "nothing waited: reading")
        client.send(Array("e".utf8), to: server.localAddress, flush: true)
        #expect(try await received(5) == ["a", "b", "c", "d", "e"], "an idle endpoint reads at once again")

        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func whatWaitedWhenReadingResumesArrivesWholeInOrderWithItsSources() async throws {
        // Resuming reads the waiting datagrams beside the channel (DatagramReader): more than one recvmmsg's worth,
        // from two peers taking turns, the largest and an empty one among them; the tap sees each.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let tap = RecordingTap()
        let got = Mutex<[(bytes: [UInt8], port: Int?)]>([])
        let server = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group,
                                                tap: tap, pacedReads: true) { message, _ in
            got.withLock { $0.append((message.bytes, message.source.port)) }
        }
        let one = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { _, _ in }
        let two = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { _, _ in }
        func wait(for count: Int) async throws {
            for _ in 0..<1000 where got.withLock({ $0.count }) < count { try await Task.sleep(for: .milliseconds(5)) }
        }
        one.send(Array("first".utf8), to: server.localAddress, flush: true)
        try await wait(for: 1)  // read by the channel, which then pauses

        let count = DatagramReader.batch + 8
        var sent: [(bytes: [UInt8], port: Int?)] = []
        for i in 0..<count {
            let size = i == 3 ? 65_000 : i == 4 ? 0 : 20 + i
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            let from = i % 3 == 0 ? two : one  // runs from one peer, broken by the other
            from.send(bytes, to: server.localAddress, flush: true)
            sent.append((bytes, from.localAddress.port))
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(got.withLock { $0.count } == 1, "they wait for the resume")
        try await server.eventLoop.submit { server.resumeReading() }.get()
        try await wait(for: count + 1)
        let received = got.withLock { Array($0.dropFirst()) }
        #expect(received.map(\.bytes.count) == sent.map(\.bytes.count))
        #expect(received.map(\.bytes) == sent.map(\.bytes))
        #expect(received.map(\.port) == sent.map(\.port))
        let tapped = tap.events.withLock { $0.filter { $0.direction == .received }.dropFirst() }
        #expect(tapped.map(\.bytes) == sent.map(\.bytes))
        #expect(tapped.map(\.remote.port) == sent.map(\.port))

        try await one.close()
        try await two.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func whatWaitedArrivesWithItsIPv6Source() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let got = Mutex<[SocketAddress]>([])
        guard let server = try? await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "::1", port: 0), on: group,
                                                       pacedReads: true, onMessage: { message, _ in
            got.withLock { $0.append(message.source) }
        }) else {
            print("◇ skipping: no IPv6 loopback here")
            try await group.shutdownGracefully()
            return
        }
        let client = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "::1", port: 0), on: group) { _, _ in }
        client.send(Self.options, to: server.localAddress, flush: true)
        for _ in 0..<1000 where got.withLock({ $0.count }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        client.send(Self.options, to: server.localAddress, flush: true)  // waits for the resume: read beside the channel
        try await Task.sleep(for: .milliseconds(50))
        #expect(got.withLock { $0.count } == 1)
        try await server.eventLoop.submit { server.resumeReading() }.get()
        for _ in 0..<1000 where got.withLock({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(got.withLock { $0 } == [client.localAddress, client.localAddress])
        #expect(got.withLock { $0.last?.ipAddress } == "::1")
        try await client.close()
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func bindingATakenPortIsATransportError() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let first = try await UDPEndpoint.bind(to: try SocketAddress(ipAddress: "127.0.0.1", port: 0), on: group) { _, _ in }
        // No SO_REUSEADDR on UDP sockets: on Linux it would let a second socket silently share the port.
        await #expect(throws: TransportError.self) {
            _ = try await UDPEndpoint.bind(to: first.localAddress, on: group) { _, _ in }
        }
        try await first.close()
        try await group.shutdownGracefully()
    }
}
