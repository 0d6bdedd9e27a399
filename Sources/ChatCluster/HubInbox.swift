import LibeventKit
import Synchronization

/// What the hub hands one loop's connection: replies, subscriptions in place, publications.
enum HubDelivery: Sendable {
    case reply(RedisReply)
    case subscribed([UInt8])
    case message(channel: [UInt8], payload: [UInt8])
}

/// One loop connection's mailbox: other threads post under a lock, and ring the loop's
/// doorbell only when the box was empty, so a loop wakes once per batch however many
/// messages the batch holds. The loop takes everything at once.
final class HubInbox: Sendable {
    private let items = Locked<[(order: UInt64, delivery: HubDelivery)]>([])
    /// The hub's order over every inbox: each post is made under the hub's lock, so a loop
    /// that takes from its two connections' inboxes can put their deliveries back in it.
    private static let order = Atomic<UInt64>(0)
    /// Rung when the box stops being empty.
    let doorbell = Doorbell()
    /// The loop's ``HubLoopPort``: what that loop posts to itself, it takes without a ring.
    let loopToken: ObjectIdentifier

    init(loopToken: ObjectIdentifier) {
        self.loopToken = loopToken
    }

    /// `ring`: false for what a loop posts to itself from a command it runs, which it
    /// takes later in the same pass without waking (``HubLoopPort``).
    func post(_ delivery: HubDelivery, ring: Bool = true) {
        let order = Self.order.add(1, ordering: .relaxed).newValue
        let wasEmpty = items.withLock { items in
            items.append((order, delivery))
            return items.count == 1
        }
        if wasEmpty && ring { doorbell.ring() }
    }

    /// Everything posted so far, oldest first.
    func takeAll() -> [(order: UInt64, delivery: HubDelivery)] {
        items.withLock { items in
            defer { items.removeAll(keepingCapacity: true) }
            return items
        }
    }
}
