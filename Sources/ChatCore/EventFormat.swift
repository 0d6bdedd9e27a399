/// Writes ``ChatEvent``s in one kind of client's words.
///
/// The registry keeps one format per kind (``FormatID``) and each session names its
/// kind, so a fan-out formats once per kind it meets, however many members share it.
public protocol EventFormat: AnyObject {
    /// Appends the event as this kind of client should see it, or nothing at all when
    /// this kind has no words for it.
    func write(_ event: ChatEvent, into line: inout LineBuilder)

    /// The protocol version its clients speak: a version 2 client hears its own room
    /// messages back (with their ids).
    var protocolVersion: Int { get }
}

extension EventFormat {
    public var protocolVersion: Int { 1 }
}

/// Which ``EventFormat`` of the registry's a session's lines are written in.
public struct FormatID: Hashable, Sendable {
    /// The index in ``Registry/formats``.
    public let index: Int

    public init(index: Int) {
        precondition(index >= 0, "a format index is not negative")
        self.index = index
    }

    /// Protocol v1, the registry's first format.
    public static let v1 = FormatID(index: 0)
    /// Protocol v2 lines (after `hello,2`), the registry's second.
    public static let v2 = FormatID(index: 1)
}
