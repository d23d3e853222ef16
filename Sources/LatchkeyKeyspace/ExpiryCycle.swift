// Active expiry: reclaims expired keys nobody touches. Each call sweeps a bounded number of
// table slots per database from a resumable cursor (instead of Redis's random sampling: every
// key is examined once per pass, and the cost per call is capped), reporting each deletion
// through Keyspace.onExpire. Like Redis's cycle it keeps going while many of the keys it sees
// are expired, up to a hard cap per call. Scheduling (hz) is the server's business.
import LatchkeyCore

/// Bounds for one active expiry call.
public struct ExpiryBudget: Sendable {
    /// Slots examined per database per chunk, at least.
    public var minSlots: Int
    /// Fraction of a table examined per chunk (1/64: a full pass every 64 calls, 6.4 s at hz 10).
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
    @discardableResult public func activeExpireCycle(now: Int64, budget: ExpiryBudget = ExpiryBudget()) -> Int {
        var deleted = 0
        var remaining = budget.maxSlots
        for (index, db) in databases.enumerated() where db.expiresCount > 0 {
            if remaining <= 0 { break }
            let cap = db.capacity
            let chunk = min(max(budget.minSlots, cap >> budget.tableShift), cap)
            var examinedTotal = 0
            // Another chunk while more than a quarter of the keys seen had expired (Redis's
            // cycle repeats while >10% of its samples are stale), never past one full table.
            while remaining > 0 && examinedTotal < cap && db.expiresCount > 0 {
                let slots = min(chunk, remaining)
                let (seen, expired) = sweep(db, dbIndex: index, slots: slots, now: now)
                remaining -= slots
                examinedTotal += slots
                deleted += expired
                if expired * 4 <= seen { break }
            }
        }
        return deleted
    }

    /// Examines `slots` slots from the database's cursor; returns (keys seen, keys deleted).
    private func sweep(_ db: Database, dbIndex: Int, slots budget: Int, now: Int64) -> (Int, Int) {
        let cap = db.capacity
        var cursor = db.sweepCursor
        if cursor >= cap { cursor = 0 }
        var slots = budget
        var seen = 0
        var expired = 0
        while slots > 0 {
            if db.isOccupied(cursor) {
                seen += 1
                let at = db.entry(at: cursor).expireAt
                if at != 0 && at <= now {
                    expire(db, dbIndex: dbIndex, slot: cursor)
                    expired += 1
                    // Backward shift may have moved a later key into this slot: look again
                    // (deletions are bounded by the key count, so this always ends).
                    continue
                }
            }
            cursor += 1
            if cursor >= cap { cursor = 0 }
            slots -= 1
        }
        db.sweepCursor = cursor
        return (seen, expired)
    }
}
