import ChatDialects

extension Connection {
    /// What a connection speaks, learned as it goes, each case with what that protocol needs:
    /// a dialect's port speaks its dialect; the chat and TLS ports speak protocol v1 or, when
    /// the first line starts `GET `, HTTP, which may then become a WebSocket or an event
    /// stream (as a swift-nio pipeline is reconfigured on an upgrade). The lifecycle
    /// (``Connection/State``) and the limits are the same whatever it speaks.
    enum Wire {
        /// A port that also answers HTTP, until the first line (or its first four bytes)
        /// shows which it is.
        case sniffing
        /// Protocol v1 lines, to the dispatcher.
        case lines
        /// A classic dialect's messages, to its edge, which turns them into v1 commands.
        case dialect(any DialectEdge)
        /// An HTTP request head being read.
        case httpHead(HTTPRequest)
        /// An HTTP request answered: its answer is flushing, then the connection closes.
        case httpAnswered
        /// A `GET /stats` event stream: the server writes figures, the client only listens.
        case eventStream
        /// WebSocket frames after `GET /chat`'s upgrade, each text message protocol v1.
        case webSocket(WebSocketSession)
        /// The connection is finished: nothing is spoken any more.
        case done

        /// Whether the connection is spoken to in chat lines (a `bye` on closing).
        var speaksChat: Bool {
            switch self {
            case .sniffing, .lines, .dialect, .webSocket: true
            case .httpHead, .httpAnswered, .eventStream, .done: false
            }
        }
    }

    /// The dialect's translation, or nil for protocol v1 and HTTP.
    var edge: (any DialectEdge)? {
        if case .dialect(let edge) = wire { return edge }
        return nil
    }

    /// Whether the first line is still to show what the connection speaks.
    var sniffing: Bool {
        if case .sniffing = wire { return true }
        return false
    }

    /// The HTTP request head being read, if one is.
    var http: HTTPRequest? {
        if case .httpHead(let request) = wire { return request }
        return nil
    }

    /// The WebSocket session, after an upgrade.
    var webSocket: WebSocketSession? {
        if case .webSocket(let session) = wire { return session }
        return nil
    }

    var isEventStream: Bool {
        if case .eventStream = wire { return true }
        return false
    }

    /// False once the input is not lines any more: WebSocket frames, an event stream's
    /// listener, an answered request.
    var readsLines: Bool {
        switch wire {
        case .sniffing, .lines, .dialect, .httpHead: true
        case .httpAnswered, .eventStream, .webSocket, .done: false
        }
    }
}
