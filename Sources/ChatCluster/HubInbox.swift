import LibeventKit
#if canImport(Glibc)
import Glibc
#endif

/// What the hub hands one loop's connection: replies, subscriptions in place, publications.
enum HubDelivery: Sendable {
    case reply(RedisReply)
    case subscribed([UInt8])
    case message(channel: [UInt8], payload: [UInt8])
}

/// One loop connection's mailbox: other threads post under a lock, and wake the loop
/// through a pipe only when the box was empty, so a loop wakes once per batch
/// however many messages the batch holds. The loop takes everything at once.
final class HubInbox: Sendable {
    private let items = Locked<[HubDelivery]>([])
    /// Readable while something waits; the loop's event on it drains the box.
    let wakeDescriptor: Int32
    private let wakeWriter: Int32

    init() {
        var ends: [Int32] = [0, 0]
        precondition(pipe(&ends) == 0, "pipe failed: \(errno)")
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wakeDescriptor = ends[0]
        wakeWriter = ends[1]
    }

    deinit {
        close(wakeDescriptor)
        close(wakeWriter)
    }

    func post(_ delivery: HubDelivery) {
        let wasEmpty = items.withLock { items in
            items.append(delivery)
            return items.count == 1
        }
        guard wasEmpty else { return }
        var one: UInt8 = 1
        _ = write(wakeWriter, &one, 1)
    }

    /// Everything posted so far, oldest first.
    func takeAll() -> [HubDelivery] {
        var bytes = (0 as UInt64, 0 as UInt64)
        while read(wakeDescriptor, &bytes, 16) == 16 {}
        return items.withLock { items in
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
    }
}
