/// The web client: `Sources/ChatServer/WebClient/` holds its page, stylesheet and script, which
/// SwiftPM embeds at build time (`.embedInCode` in Package.swift makes them `PackageResources`'
/// byte arrays). Each file's whole HTTP answer is built once, on first use.
enum WebClientFiles {
    /// The page's Content-Security-Policy: scripts and styles from this server only, nothing
    /// inline; the WebSocket (`/chat`) and `/stats` on this host; the page's empty icon, a `data:` URL.
    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; "
        + "connect-src 'self' ws: wss:; img-src 'self' data:"

    /// `GET /` and `GET /index.html`.
    static let page = Connection.httpResponse(
        status: 200, reason: "OK", contentType: "text/html; charset=utf-8", body: PackageResources.index_html,
        extraHeaders: ["Content-Security-Policy: " + contentSecurityPolicy])
    /// `GET /client.css`, which the page links.
    static let stylesheet = Connection.httpResponse(
        status: 200, reason: "OK", contentType: "text/css; charset=utf-8", body: PackageResources.client_css)
    /// `GET /client.js`, the page's module script.
    static let script = Connection.httpResponse(
        status: 200, reason: "OK", contentType: "text/javascript; charset=utf-8", body: PackageResources.client_js)
}
