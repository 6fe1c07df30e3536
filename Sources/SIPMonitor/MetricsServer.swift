import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves `GET /metrics` in the Prometheus text format over HTTP/1.1 (SwiftNIO, no framework). Every other path
/// is 404; each response closes its connection.
public final class MetricsServer: Sendable {
    public let channel: any Channel
    /// Where the server listens (port 0 resolved to the real port).
    public let localAddress: SocketAddress

    private init(channel: any Channel, localAddress: SocketAddress) {
        self.channel = channel
        self.localAddress = localAddress
    }

    /// Binds `host:port` (`--metrics-listen [HOST]:PORT`; an empty host listens on every interface).
    public static func start(host: String, port: Int, metrics: PingMetrics, group: any EventLoopGroup) async throws -> MetricsServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(metrics: metrics))
                }
            }
            .bind(host: host.isEmpty ? "0.0.0.0" : host, port: port).get()
        guard let local = channel.localAddress else { throw MetricsListenError("the metrics socket has no local address") }
        return MetricsServer(channel: channel, localAddress: local)
    }

    public func close() async throws { try await channel.close() }

    /// Parses `--metrics-listen`: `:9100`, `127.0.0.1:9100`, `[::1]:9100`.
    public static func parseListen(_ text: String) throws(PingArgumentError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw PingArgumentError("--metrics-listen '\(text)' is not [HOST]:PORT, e.g. :9100 or 127.0.0.1:9100")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

public struct MetricsListenError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let metrics: PingMetrics
    var head: HTTPRequestHead?

    init(metrics: PingMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            let found = path == "/metrics" && (head.method == .GET || head.method == .HEAD)
            let body = found ? metrics.exposition() : Array("not found: try /metrics\n".utf8)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: String(body.count))
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: found ? .ok : .notFound, headers: headers))), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
