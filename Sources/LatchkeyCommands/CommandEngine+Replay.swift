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
                if atMs <= now {
                    _ = keyspace.delete(db: db, v[0], now: now)
                } else {
                    _ = keyspace.setExpire(db: db, v[0], at: atMs, now: now)
                }
            }
        case .persist(let db, let key):
            guard valid(db) else { return }
            withByteViews([key]) { _ = keyspace.setExpire(db: db, $0[0], at: 0, now: now) }
        case .flushDB(let db):
            guard valid(db) else { return }
            keyspace.flush(db: db)
        case .flushAll: keyspace.flushAll()
        case .rename(let db, let from, let to):
            guard valid(db) else { return }
            withByteViews([from, to]) { _ = keyspace.rename(db: db, from: $0[0], to: $0[1], now: now) }
        case .listPush, .listPop, .listSet, .listInsert, .listRemove, .listTrim, .hashSet, .hashDelete:
            replayCollection(record, now: now)
        default: return
        }
    }

    /// Applies a list or hash record. A record that does not fit the current value (wrong type,
    /// index out of range: only a hand-made log) is skipped rather than trapping.
    private func replayCollection(_ record: LogRecord, now: Int64) {
        let db: Int
        let key: Bytes
        switch record {
        case .listPush(let d, let k, _, _), .listPop(let d, let k, _, _), .listSet(let d, let k, _, _),
            .listInsert(let d, let k, _, _), .listRemove(let d, let k, _, _), .listTrim(let d, let k, _, _),
            .hashSet(let d, let k, _), .hashDelete(let d, let k, _):
            db = d
            key = k
        default: return
        }
        guard db >= 0 && db < keyspace.databaseCount else { return }
        key.withByteView { k in
            var ref = keyspace.lookupWrite(db: db, k, now: now)
            switch record {
            case .listPush(_, _, let head, let elements):
                if ref.entry == nil { ref.setList(ListValue()) }
                guard let e = ref.entry, e.type == .list else { return }
                ref.mutate { e in for x in elements { e.list.push(x, left: head) } }
            case .hashSet(_, _, let pairs):
                if ref.entry == nil { ref.setHash(HashValue()) }
                guard let e = ref.entry, e.type == .hash else { return }
                ref.mutate { e in
                    var i = 0
                    while i + 1 < pairs.count {
                        e.hash.set(pairs[i], pairs[i + 1])
                        i += 2
                    }
                }
            case .hashDelete(_, _, let fields):
                guard let e = ref.entry, e.type == .hash else { return }
                ref.mutate { e in for f in fields { f.withByteView { _ = e.hash.remove($0) } } }
            default:
                guard let e = ref.entry, e.type == .list else { return }
                ref.mutate { e in
                    let list = e.list
                    switch record {
                    case .listPop(_, _, let head, let count):
                        for _ in 0..<min(count, list.count) { _ = list.pop(left: head) }
                    case .listSet(_, _, let index, let value): if index < list.count { list.set(index, value) }
                    case .listInsert(_, _, let index, let value):
                        if index <= list.count { list.insert(value, at: index) }
                    case .listRemove(_, _, let count, let value): _ = list.remove(count: count, value: value)
                    case .listTrim(_, _, let start, let stop): list.trim(start: start, stop: stop)
                    default: break
                    }
                }
            }
        }
    }
}
