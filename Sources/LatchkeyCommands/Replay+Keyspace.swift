// Boot-time replay: applies one log record straight to the keyspace (never through the wire or
// the gate). Records hold absolute times, so a key whose deadline passed while the server was
// down is simply not restored. Broker records are ignored here (LatchkeyChannels replays them).
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyLog

extension CommandEngine {
    /// Applies a keyspace record from the log. Records for databases beyond `databases` are dropped.
    package func replay(_ record: LogRecord) {
        let now = context.dataNowMs
        isReplaying = true
        defer { isReplaying = false }
        func valid(_ db: Int) -> Bool { db >= 0 && db < keyspace.databaseCount }
        switch record {
        case .set(let db, let key, let value, let expireAtMs):
            guard valid(db) else { return }
            if expireAtMs != 0 && expireAtMs <= now {
                withByteViews([key]) { _ = keyspace.delete(db: db, $0[0], now: now) }
            } else {
                keyspace.setString(db: db, key, value, expireAt: expireAtMs, now: now)
            }
        case .delete(let db, let key):
            guard valid(db) else { return }
            withByteViews([key]) { _ = keyspace.delete(db: db, $0[0], now: now) }
        case .expireAt(let db, let key, let atMs):
            guard valid(db) else { return }
            withByteViews([key]) { v in
                if atMs <= now { _ = keyspace.delete(db: db, v[0], now: now) }
                else { _ = keyspace.setExpire(db: db, v[0], at: atMs, now: now) }
            }
        case .persist(let db, let key):
            guard valid(db) else { return }
            withByteViews([key]) { _ = keyspace.setExpire(db: db, $0[0], at: 0, now: now) }
        case .flushDB(let db):
            guard valid(db) else { return }
            keyspace.flush(db: db)
        case .flushAll:
            keyspace.flushAll()
        default:
            return
        }
    }
}
