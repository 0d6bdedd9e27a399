@testable import ChatCore

/// A minimal transport in front of a ``Client``: its bytes go through the server's own
/// ``LineReader`` on an in-memory ``ByteQueue``.
final class FramedInput {
    private var reader: LineReader
    private let client: Client
    private let buffer = ByteQueue()
    /// The most bytes ever held waiting for an LF.
    private(set) var peakBuffered = 0

    init(client: Client, maxLine: Int) {
        self.client = client
        reader = LineReader(maxLine: maxLine)
    }

    var isDiscarding: Bool { reader.framer.isDiscarding }

    /// Receives `bytes` in chunks of `chunkSize`.
    func feed(_ bytes: [UInt8], chunkSize: Int = .max) {
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + max(1, min(chunkSize, bytes.count)))
            receive(bytes[start..<end])
            start = end
        }
    }

    func feed(_ text: String, chunkSize: Int = .max) { feed(Array(text.utf8), chunkSize: chunkSize) }

    /// The peer closed: a last line without LF still counts.
    func finish() {
        var source = buffer
        reader.finishLine(from: &source) { event, _ in run(event) }
        client.settle()
    }

    private func receive(_ chunk: ArraySlice<UInt8>) {
        buffer.append(chunk)
        var source = buffer
        reader.read(from: &source) { event, _ in run(event) }
        peakBuffered = max(peakBuffered, buffer.count)
        client.settle()  // a world that answers later, as the transport reads on once it has
    }

    private func run(_ event: LineReader.Event) -> LineReader.Next {
        switch event {
        case .line(let line): _ = client.dispatcher.handle(line: line, from: client.session)
        case .tooLong: client.dispatcher.rejectLongLine(from: client.session)
        case .endOfLongLine: break
        }
        return .more
    }
}
