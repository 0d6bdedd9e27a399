import ChatCore

/// One connection's translation between a dialect and protocol v1: its messages in,
/// as the commands the dispatcher runs. Events go out through the dialect's
/// ``EventFormat``; the edge writes to its session directly only what v1 has no
/// event for (a prompt, an echo).
///
/// Called on the loop that owns the session, like the dispatcher.
public protocol DialectEdge: AnyObject {
    /// The connection is open and in the server's table: greet, register, join.
    func opened(_ session: Session, chat: Dispatcher)
    /// One complete message (a line, or what came before a quiet gap), without its end.
    func received(_ message: UnsafeRawBufferPointer, from session: Session, chat: Dispatcher)
}

/// A reused buffer in which an edge builds the v1 command line it hands the dispatcher.
struct CommandBuilder {
    private var bytes: [UInt8] = []

    /// Builds `verb` + `,` + each field joined by commas (`fields` may be empty), and runs it.
    @discardableResult
    mutating func run(_ verb: StaticString, _ fields: [UnsafeRawBufferPointer] = [],
                      from session: Session, chat: Dispatcher) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: verb.utf8Start, count: verb.utf8CodeUnitCount))
        for field in fields {
            bytes.append(UInt8(ascii: ","))
            bytes.append(contentsOf: field)
        }
        return bytes.withUnsafeBytes { chat.handle(line: $0, from: session) }
    }
}

extension Session {
    /// Sends what `write` formats, when it formats anything.
    func send(_ write: (inout LineBuilder) -> Void) {
        var line = LineBuilder(capacity: 256)
        write(&line)
        guard line.count > 0 else { return }
        line.withBytes { send($0) }
    }

    /// Stops handling this session's lines and closes it once what it is owed is flushed.
    func close(chat: Dispatcher) {
        chat.disconnect(self)
        closeAfterFlush()
    }
}

extension ChatName {
    /// Calls `body` with the name's bytes as one of a command line's fields.
    func withField<Result>(_ body: ([UnsafeRawBufferPointer]) -> Result) -> Result {
        withBytes { body([$0]) }
    }
}

/// Trims spaces and tabs at both ends.
func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer { LineBytes.trimmed(bytes) }

/// Whether `bytes` starts with `prefix`, byte for byte.
func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
    let count = prefix.utf8CodeUnitCount
    guard bytes.count >= count else { return false }
    let expected = UnsafeRawBufferPointer(start: prefix.utf8Start, count: count)
    return bytes.prefix(count).elementsEqual(expected)
}

/// `bytes` without its first `count` bytes.
func dropFirst(_ bytes: UnsafeRawBufferPointer, _ count: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: bytes[count...])
}
