// The test clock: wall time that only moves when a test says so, so expiry, TTLs and heartbeats
// are checked by advancing the clock instead of sleeping. Lives here, not in Core, because the
// server never runs on it.
import LatchkeyCore

/// A clock that only moves when told to.
public final class ManualClock: Clock {
    public var now: Int64
    public init(now: Int64 = 1_700_000_000_000) { self.now = now }
    public func nowMs() -> Int64 { now }
    public func advance(ms: Int64) { now += ms }
}
