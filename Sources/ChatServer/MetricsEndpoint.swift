import CLibevent
import LibeventKit
#if canImport(Glibc)
import Glibc
#endif

/// `GET /metrics` (Prometheus text) and `GET /healthz` (200 while accepting, 503
/// while draining), served by libevent's evhttp on the server's own event loop.
///
/// With `--loops` above 1 both answer from every loop's figures as they are when the
/// request comes (``FreshFigures``): the reply waits until the other loops have answered.
final class MetricsEndpoint {
    private let http: OpaquePointer
    private unowned let server: ChatServer
    private let export = PrometheusExport()
    private let figures: FreshFigures
    /// The address actually bound.
    let address: SocketAddress

    init(server: ChatServer, host: String, port: Int) throws(ServerError) {
        guard let http = evhttp_new(server.loop.base) else { throw .libevent(.eventBase) }
        guard let handle = evhttp_bind_socket_with_handle(http, host, UInt16(port)) else {
            let reason = String(cString: strerror(errno))
            evhttp_free(http)
            throw .cannotListen(address: "\(host):\(port) (metrics)", reason: reason)
        }
        self.http = http
        self.server = server
        figures = FreshFigures(server: server)
        address = SocketAddress(boundTo: evhttp_bound_socket_get_fd(handle))
        evhttp_set_allowed_methods(http, UInt16(EVHTTP_REQ_GET.rawValue | EVHTTP_REQ_HEAD.rawValue))
        evhttp_set_gencb(http, { request, context in
            guard let request else { return }
            Unmanaged<MetricsEndpoint>.fromOpaque(context!).takeUnretainedValue().respond(to: request)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// A request still waiting for the loops' figures is answered first, with those there are.
    deinit {
        figures.finishAll()
        evhttp_free(http)
    }

    private func respond(to request: OpaquePointer) {
        let uri = evhttp_request_get_uri(request).map { String(cString: $0) } ?? "/"
        let path = uri.prefix { $0 != "?" }
        switch path {
        case "/metrics":
            // The reply is sent later, from the figures' callback: evhttp keeps the request
            // until then, also when its client has gone (the reply then frees it).
            figures.read { [export] stats in
                Self.reply(request, 200, "OK", export.render(stats), type: "text/plain; version=0.0.4; charset=utf-8")
            }
        case "/healthz":
            guard server.state == .running else {
                return Self.reply(request, 503, "Service Unavailable", Array("draining\n".utf8))
            }
            // The process's own loops are no cluster an operator runs: only Redis can be unavailable.
            guard server.configuration.cluster != nil, let cluster = server.cluster else {
                return Self.reply(request, 200, "OK", Array("ok\n".utf8))
            }
            guard cluster.isAvailable else { return Self.unavailable(request) }
            // Every loop is a node: all of them must reach Redis.
            figures.read { stats in
                if stats.cluster?.connected ?? false {
                    Self.reply(request, 200, "OK", Array("ok\n".utf8))
                } else {
                    Self.unavailable(request)
                }
            }
        default:
            Self.reply(request, 404, "Not Found", Array("not found: try /metrics or /healthz\n".utf8))
        }
    }

    private static func unavailable(_ request: OpaquePointer) {
        reply(request, 503, "Service Unavailable", Array("redis unavailable\n".utf8))
    }

    private static func reply(_ request: OpaquePointer, _ code: Int32, _ reason: String, _ body: [UInt8],
                              type: String = "text/plain; charset=utf-8") {
        let buffer = evbuffer_new()
        defer { evbuffer_free(buffer) }
        body.withUnsafeBytes { _ = evbuffer_add(buffer, $0.baseAddress, $0.count) }
        evhttp_add_header(evhttp_request_get_output_headers(request), "Content-Type", type)
        evhttp_send_reply(request, code, reason, buffer)
    }
}
