import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// Wakes one event loop from any thread: a pipe whose read end the loop watches. Rings
/// close together may be taken as one, so a woken loop takes everything waiting.
public final class Doorbell: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32

    public init() {
        var ends: [Int32] = [0, 0]
        precondition(pipe(&ends) == 0, "pipe failed: \(errno)")
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    public func ring() {
        var one: UInt8 = 1
        _ = write(writeEnd, &one, 1)
    }

    /// Runs `action` on `loop`'s thread once per ring (rings close together may be one).
    public func listen(on loop: EventLoop, _ action: @escaping () -> Void) -> DoorbellListener {
        DoorbellListener(loop: loop, descriptor: readEnd, action: action)
    }
}

/// A loop's side of a ``Doorbell``. Its event carries it unretained; deinit frees the event first.
public final class DoorbellListener {
    private var event: OpaquePointer?
    private let descriptor: Int32
    private let action: () -> Void

    fileprivate init(loop: EventLoop, descriptor: Int32, action: @escaping () -> Void) {
        self.descriptor = descriptor
        self.action = action
        event = event_new(loop.base, descriptor, Int16(EV_READ | EV_PERSIST), { _, _, context in
            let listener = Unmanaged<DoorbellListener>.fromOpaque(context!).takeUnretainedValue()
            var bytes = (0 as UInt64, 0 as UInt64)
            while read(listener.descriptor, &bytes, 16) > 0 {}
            listener.action()
        }, Unmanaged.passUnretained(self).toOpaque())
        event_add(event, nil)
    }

    deinit { event_free(event) }

    public func stop() {
        event_del(event)
    }
}
