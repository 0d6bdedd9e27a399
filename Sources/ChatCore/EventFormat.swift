/// Writes ``ChatEvent``s in one kind of client's words.
///
/// The registry keeps one format per kind (``FormatID``) and each session names its
/// kind, so a fan-out formats once per kind it meets, however many members share it.
public protocol EventFormat: AnyObject {
    /// Appends the event as this kind of client should see it, or nothing at all when
    /// this kind has no words for it.
    func write(_ event: ChatEvent, into line: inout LineBuilder)
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
}
