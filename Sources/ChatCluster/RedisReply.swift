import CHiredis

/// A reply from Redis, copied out of hiredis's reply object (which lives only during the callback).
enum RedisReply: Equatable, Sendable {
    case integer(Int64)
    case string([UInt8])
    case array([RedisReply])
    case null
    case status(String)
    case error(String)

    init(_ reply: UnsafePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_INTEGER: self = .integer(Int64(value.integer))
        case REDIS_REPLY_STRING: self = .string(Self.bytes(value))
        case REDIS_REPLY_ARRAY:
            self = .array((0..<Int(value.elements)).map { RedisReply(UnsafePointer(value.element[$0]!)) })
        case REDIS_REPLY_STATUS: self = .status(String(decoding: Self.bytes(value), as: UTF8.self))
        case REDIS_REPLY_ERROR: self = .error(String(decoding: Self.bytes(value), as: UTF8.self))
        default: self = .null
        }
    }

    private static func bytes(_ value: redisReply) -> [UInt8] {
        guard let str = value.str, value.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: str, count: Int(value.len)))
    }

    var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .string(let bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    var bytes: [UInt8]? {
        if case .string(let bytes) = self { return bytes }
        return nil
    }

    var isError: Bool {
        if case .error = self { return true }
        return false
    }
}
