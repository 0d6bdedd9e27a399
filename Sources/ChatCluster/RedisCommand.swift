import ChatCore

/// One Redis command's arguments, written into one buffer and handed to hiredis, which
/// copies them into its output buffer at once.
struct RedisCommand {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    init(_ words: String...) {
        for word in words { add(word) }
    }

    mutating func add(_ word: String) { append(word.utf8) }
    mutating func add(_ raw: UnsafeRawBufferPointer) { append(raw) }
    mutating func add(_ raw: [UInt8]) { append(raw) }
    mutating func add(_ number: Int) { append(String(number).utf8) }
    mutating func add(_ name: ChatName) { name.withBytes { append($0) } }

    /// Another command's arguments after these.
    mutating func append(_ other: RedisCommand) {
        let offset = bytes.count
        bytes.append(contentsOf: other.bytes)
        ends.append(contentsOf: other.ends.map { $0 + offset })
    }

    private mutating func append<Bytes: Sequence<UInt8>>(_ word: Bytes) {
        bytes.append(contentsOf: word)
        ends.append(bytes.count)
    }

    /// The arguments as hiredis's argc, argv and argvlen, valid during `body`.
    func withArguments<Result>(_ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result) -> Result {
        var lengths: [Int] = []
        lengths.reserveCapacity(ends.count)
        var start = 0
        for end in ends {
            lengths.append(end - start)
            start = end
        }
        return bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(ends.count)
            var offset = 0
            for length in lengths {
                pointers.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { body(Int32(ends.count), argv.baseAddress!, $0.baseAddress!) }
            }
        }
    }
}
