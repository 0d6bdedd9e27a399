/// Runs `body` with the UTF-8 bytes of `text`, as the load generator sees a line.
func withBytes<Result>(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
    try Array(text.utf8).withUnsafeBytes(body)
}
