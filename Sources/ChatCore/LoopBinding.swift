#if canImport(Glibc)
import Glibc
#endif

/// The thread a loop's chat state belongs to, checked in debug builds, as swift-nio's
/// `NIOLoopBound` checks its event loop: the registry, its sessions and rooms, and the
/// dispatcher skip Swift's dynamic exclusivity checks on the fields every line touches
/// (`@exclusivity(unchecked)`), which is sound only while one thread touches them.
///
/// The binding is made by the first check, on whichever thread the loop runs: a registry is
/// built on the thread that starts the server and used only on its loop's. Release builds
/// keep nothing and check nothing.
public struct LoopBinding {
    #if DEBUG
    private var owner: pthread_t?
    #endif

    public init() {}

    /// Traps (debug builds) when called on another thread than the first call was.
    @inline(__always)
    public mutating func check(file: StaticString = #fileID, line: UInt = #line) {
        #if DEBUG
        let current = pthread_self()
        guard let owner else { return self.owner = current }
        precondition(pthread_equal(owner, current) != 0,
                     "loop-bound chat state touched off its loop's thread", file: file, line: line)
        #endif
    }
}
