// The server clock that data follows: key TTLs, AMQP message and queue TTLs, TIME. It is the
// real clock until a test moves it (LATCHKEY CLOCK ADVANCE/SET/FREEZE, the embedding API);
// it only ever moves forward. Connection timers (heartbeats, `timeout`, fsync cadence,
// busy-script limits) read the real clock instead, so a jump never drops a client.

/// Real time plus a forward offset, or a frozen instant. Not thread-safe: the loop owns it.
public final class ServerClock: Clock {
    /// The real clock underneath (a ManualClock in unit tests).
    public let base: Clock
    /// How far ahead of real time the clock runs while not frozen.
    public private(set) var offsetMs: Int64 = 0
    /// The instant the clock stands at while frozen.
    public private(set) var frozenAtMs: Int64?

    /// The latest instant the clock may be moved to (9999-12-31T23:59:59.999Z), so every
    /// derived value (TIME's microseconds, TTL arithmetic on client numbers) stays far from
    /// Int64's limits.
    public static let maxMs: Int64 = 253_402_300_799_999

    public init(base: Clock) { self.base = base }

    public func nowMs() -> Int64 { now(realMs: base.nowMs()) }

    /// The server time for a real-clock reading (so one tick reads the real clock once).
    @inlinable public func now(realMs: Int64) -> Int64 {
        if let frozen = frozenAtMs { return frozen }
        return realMs &+ offsetMs
    }

    /// Microseconds for TIME: real microseconds shifted by the offset, or the frozen instant.
    public func nowMicros(realMicros: Int64) -> Int64 {
        if let frozen = frozenAtMs { return frozen.multipliedReportingOverflow(by: 1000).partialValue }
        return realMicros &+ offsetMs &* 1000
    }

    /// True once a test has moved or frozen the clock (until `reset`).
    public var isAdjusted: Bool { offsetMs != 0 || frozenAtMs != nil }
    /// True while frozen.
    public var isFrozen: Bool { frozenAtMs != nil }

    /// Moves the clock `ms` forward. False (and no change) when `ms` is negative or the result
    /// would pass `maxMs`; the caller replies with the error.
    public func advance(by ms: Int64) -> Bool {
        guard ms >= 0 else { return false }
        let (target, overflow) = nowMs().addingReportingOverflow(ms)
        guard !overflow, target <= Self.maxMs else { return false }
        if let frozen = frozenAtMs { frozenAtMs = frozen + ms } else { offsetMs += ms }
        return true
    }

    /// Stops the clock at its current reading.
    public func freeze() { if frozenAtMs == nil { frozenAtMs = nowMs() } }

    /// Lets a frozen clock run again from where it stood (never jumping back).
    public func resume() {
        guard let frozen = frozenAtMs else { return }
        offsetMs = max(0, frozen &- base.nowMs())
        frozenAtMs = nil
    }

    /// Back to real time (LATCHKEY RESET): the only move that may go backwards.
    public func reset() {
        offsetMs = 0
        frozenAtMs = nil
    }
}
