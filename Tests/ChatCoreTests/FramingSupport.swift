@testable import ChatCore

/// A minimal transport in front of a ``Client``: buffers bytes the way the
/// connection layer must, and lets ``LineFramer`` decide what each line is.
final class FramedInput {
    private var framer: LineFramer
    private let client: Client
    private var buffer: [UInt8] = []
    /// The most bytes ever held waiting for an LF.
    private(set) var peakBuffered = 0

    init(client: Client, maxLine: Int) {
        self.client = client
        framer = LineFramer(maxLine: maxLine)
    }

    var isDiscarding: Bool { framer.isDiscarding }

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
        guard !buffer.isEmpty else { return }
        run(framer.complete(length: buffer.count, lastByte: buffer.last))
        buffer.removeAll()
    }

    private func receive(_ chunk: ArraySlice<UInt8>) {
        buffer.append(contentsOf: chunk)
        while let lf = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            run(framer.complete(length: lf, lastByte: lf > 0 ? buffer[lf - 1] : nil))
            buffer.removeSubrange(...lf)
        }
        peakBuffered = max(peakBuffered, buffer.count)
        let (discard, reply) = framer.overflow(buffered: buffer.count)
        if reply { client.dispatcher.rejectLongLine(from: client.session) }
        if discard { buffer.removeAll() }
    }

    private func run(_ verdict: LineFramer.Verdict) {
        switch verdict {
        case .line(let length):
            _ = buffer.withUnsafeBytes {
                client.dispatcher.handle(line: UnsafeRawBufferPointer(rebasing: $0[..<length]), from: client.session)
            }
        case .tooLong:
            client.dispatcher.rejectLongLine(from: client.session)
        case .skip:
            break
        }
    }
}
