// Time as the server sees it: Unix milliseconds from an injectable clock. The server reads the
// clock once per loop tick (like Redis's commandTimeSnapshot) and hands that "now" to handlers;
// tests substitute a manual clock (LatchkeyTestSupport's ManualClock) and advance it instead of
// sleeping.
#if canImport(Glibc)
import Glibc
#endif

/// A source of wall-clock time in Unix milliseconds.
public protocol Clock: AnyObject { func nowMs() -> Int64 }

/// The real clock (CLOCK_REALTIME), used by the server.
public final class SystemClock: Clock {
    public init() {}
    public func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
    /// Monotonic microseconds, for measuring durations (busy scripts, heartbeats).
    public static func monotonicMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}
