// Active expiry: reclaims expired keys nobody touches. Each call sweeps a bounded number of
// table slots per database from a resumable cursor (instead of Redis's random sampling: every
// key is examined once per pass, and the cost per call is capped), reporting each deletion
// through Keyspace.onExpire. Scheduling (hz) is the server's business.
import LatchkeyCore

/// Bounds for one active expiry call.
public struct ExpiryBudget: Sendable {
    /// Slots examined per database per call, at least.
    public var minSlots: Int
    /// Fraction of a table examined per call (1/64: a full pass every 64 calls, 6.4 s at hz 10).
    public var tableShift: Int
    /// Hard cap of slots per call across all databases.
    public var maxSlots: Int

    public init(minSlots: Int = 1024, tableShift: Int = 6, maxSlots: Int = 262_144) {
        self.minSlots = minSlots
        self.tableShift = tableShift
        self.maxSlots = maxSlots
    }
}

extension Keyspace {
    /// Runs one bounded active-expiry step at `now`; returns how many keys it deleted.
    @discardableResult
    public func activeExpireCycle(now: Int64, budget: ExpiryBudget = ExpiryBudget()) -> Int {
        var deleted = 0
        var remaining = budget.maxSlots
        for (index, db) in databases.enumerated() where db.expiresCount > 0 {
            if remaining <= 0 { break }
            let cap = db.capacity
            var slots = min(max(budget.minSlots, cap >> budget.tableShift), remaining, cap)
            remaining -= slots
            var cursor = db.sweepCursor
            if cursor >= cap { cursor = 0 }
            while slots > 0 {
                if db.isOccupied(cursor) {
                    let e = db.entry(at: cursor)
                    let at = e.expireAt
                    if at != 0 && at <= now {
                        expire(db, dbIndex: index, slot: cursor)
                        deleted += 1
                        // Backward shift may have moved a later key into this slot: look again.
                        slots -= 1
                        continue
                    }
                }
                cursor += 1
                if cursor >= cap { cursor = 0 }
                slots -= 1
            }
            db.sweepCursor = cursor
        }
        return deleted
    }
}
