/// A token bucket for `--rate-limit`: starts full with `burst` tokens and
/// refills at `rate` tokens a second, never past `burst`.
public struct TokenBucket: Sendable {
    private var tokens: Double
    private var updated: Double

    public init(burst: Int, now: Double) {
        tokens = Double(burst)
        updated = now
    }

    /// Takes a token if there is one.
    public mutating func take(now: Double, rate: Double, burst: Int) -> Bool {
        tokens = min(Double(burst), tokens + max(0, now - updated) * rate)
        updated = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
