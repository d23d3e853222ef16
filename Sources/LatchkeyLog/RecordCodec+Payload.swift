// Payload fields of each record type. Byte strings are LEB128-length-prefixed, databases are
// LEB128, times and message ids are 8-byte little-endian, flags are one byte (0/1). The decoder
// is strict: a payload must be consumed exactly, so a CRC-valid but malformed record is caught.
// Framing (length, type, CRC) is in RecordCodec.swift.
import LatchkeyCore

extension RecordCodec {
    static func encodePayload(_ record: LogRecord, into out: inout [UInt8]) {
        switch record {
        case .set(let db, let key, let value, let exp):
            putVarint(UInt64(db), &out)
            putBytes(key, &out)
            putBytes(value, &out)
            putI64(exp, &out)
        case .delete(let db, let key), .persist(let db, let key):
            putVarint(UInt64(db), &out)
            putBytes(key, &out)
        case .expireAt(let db, let key, let at):
            putVarint(UInt64(db), &out)
            putBytes(key, &out)
            putI64(at, &out)
        case .flushDB(let db): putVarint(UInt64(db), &out)
        case .flushAll: break
        case .listPush(let db, let key, let head, let elements):
            putVarint(UInt64(db), &out)
            putBytes(key, &out)
            out.append(head ? 1 : 0)
            putList(elements, &out)
        case .listPop(let db, let key, let head, let count):
            putVarint(UInt64(db), &out)
            putBytes(key, &out)
            out.append(head ? 1 : 0)
            putVarint(UInt64(count), &out)
        case .listSet(let db, let key, let index, let value), .listInsert(let db, let key, let index, let value):
            putVarint(UInt64(db), &out)
            putBytes(key, &out)
            putVarint(UInt64(index), &out)
            putBytes(value, &out)
        case .listRemove(let db, let key, let count, let value):
            putVarint(UInt64(db), &out)
            putBytes(key, &out)
            putI64(count, &out)
            putBytes(value, &out)
        case .listTrim(let db, let key, let start, let stop):
            putVarint(UInt64(db), &out)
            putBytes(key, &out)
            putVarint(UInt64(start), &out)
            putVarint(UInt64(stop), &out)
        case .hashSet(let db, let key, let list), .hashDelete(let db, let key, let list):
            putVarint(UInt64(db), &out)
            putBytes(key, &out)
            putList(list, &out)
        case .rename(let db, let from, let to):
            putVarint(UInt64(db), &out)
            putBytes(from, &out)
            putBytes(to, &out)
        case .queueDeclared(let vhost, let name, let autoDelete, let args):
            putBytes(vhost, &out)
            putBytes(name, &out)
            out.append(autoDelete ? 1 : 0)
            putBytes(args, &out)
        case .queueDeleted(let vhost, let name), .queuePurged(let vhost, let name),
            .exchangeDeleted(let vhost, let name):
            putBytes(vhost, &out)
            putBytes(name, &out)
        case .exchangeDeclared(let vhost, let name, let type, let autoDelete, let isInternal, let args):
            putBytes(vhost, &out)
            putBytes(name, &out)
            putBytes(type, &out)
            out.append(autoDelete ? 1 : 0)
            out.append(isInternal ? 1 : 0)
            putBytes(args, &out)
        case .bound(let vhost, let ex, let dest, let toEx, let rk, let args),
            .unbound(let vhost, let ex, let dest, let toEx, let rk, let args):
            putBytes(vhost, &out)
            putBytes(ex, &out)
            putBytes(dest, &out)
            out.append(toEx ? 1 : 0)
            putBytes(rk, &out)
            putBytes(args, &out)
        case .messageEnqueued(let vhost, let queue, let id, let ex, let rk, let content):
            putBytes(vhost, &out)
            putBytes(queue, &out)
            putU64(id, &out)
            putBytes(ex, &out)
            putBytes(rk, &out)
            putBytes(content, &out)
        case .messageSettled(let vhost, let queue, let id):
            putBytes(vhost, &out)
            putBytes(queue, &out)
            putU64(id, &out)
        }
    }

    /// Decodes a payload of the given type; nil when the type is unknown or the payload malformed.
    public static func decodePayload(type: UInt8, _ payload: UnsafeRawBufferPointer) -> LogRecord? {
        guard let t = RecordType(rawValue: type) else { return nil }
        var r = PayloadReader(payload)
        let record: LogRecord?
        switch t {
        case .flushAll: record = .flushAll
        case .flushDB: record = r.db().map { .flushDB(db: $0) }
        case .queueDeclared, .queueDeleted, .queuePurged, .exchangeDeclared, .exchangeDeleted, .bound, .unbound,
            .messageEnqueued, .messageSettled:
            // Every broker record starts with the vhost and a name (queue or exchange).
            guard let vhost = r.bytes(), let name = r.bytes() else { return nil }
            record = decodeBroker(t, vhost: vhost, name: name, &r)
        default:
            // Every other keyspace record starts with the database and the key.
            guard let db = r.db(), let key = r.bytes() else { return nil }
            record = decodeKeyed(t, db: db, key: key, &r)
        }
        return r.atEnd ? record : nil
    }

    /// The fields after (db, key) of a keyspace record.
    private static func decodeKeyed(_ t: RecordType, db: Int, key k: Bytes, _ r: inout PayloadReader) -> LogRecord? {
        switch t {
        case .set:
            guard let v = r.bytes(), let e = r.i64() else { return nil }
            return .set(db: db, key: k, value: v, expireAtMs: e)
        case .delete: return .delete(db: db, key: k)
        case .persist: return .persist(db: db, key: k)
        case .expireAt: return r.i64().map { .expireAt(db: db, key: k, atMs: $0) }
        case .listPush:
            guard let h = r.bool(), let l = r.list() else { return nil }
            return .listPush(db: db, key: k, atHead: h, elements: l)
        case .listPop:
            guard let h = r.bool(), let n = r.count() else { return nil }
            return .listPop(db: db, key: k, atHead: h, count: n)
        case .listSet, .listInsert:
            guard let i = r.count(), let v = r.bytes() else { return nil }
            return t == .listSet
                ? .listSet(db: db, key: k, index: i, value: v) : .listInsert(db: db, key: k, index: i, value: v)
        case .listRemove:
            guard let n = r.i64(), let v = r.bytes() else { return nil }
            return .listRemove(db: db, key: k, count: n, value: v)
        case .listTrim:
            guard let a = r.count(), let b = r.count() else { return nil }
            return .listTrim(db: db, key: k, start: a, stop: b)
        case .hashSet:
            guard let l = r.list(), l.count % 2 == 0 else { return nil }
            return .hashSet(db: db, key: k, pairs: l)
        case .hashDelete: return r.list().map { .hashDelete(db: db, key: k, fields: $0) }
        case .rename: return r.bytes().map { .rename(db: db, from: k, to: $0) }
        default: return nil
        }
    }

    /// The fields after (vhost, name) of a broker record.
    private static func decodeBroker(
        _ t: RecordType, vhost vh: Bytes, name n: Bytes, _ r: inout PayloadReader
    ) -> LogRecord? {
        switch t {
        case .queueDeclared:
            guard let ad = r.bool(), let a = r.bytes() else { return nil }
            return .queueDeclared(vhost: vh, name: n, autoDelete: ad, arguments: a)
        case .queueDeleted: return .queueDeleted(vhost: vh, name: n)
        case .queuePurged: return .queuePurged(vhost: vh, name: n)
        case .exchangeDeleted: return .exchangeDeleted(vhost: vh, name: n)
        case .exchangeDeclared:
            guard let ty = r.bytes(), let ad = r.bool(), let i = r.bool(), let a = r.bytes() else { return nil }
            return .exchangeDeclared(vhost: vh, name: n, type: ty, autoDelete: ad, internal: i, arguments: a)
        case .bound, .unbound:
            guard let d = r.bytes(), let te = r.bool(), let rk = r.bytes(), let a = r.bytes() else { return nil }
            return t == .bound
                ? .bound(vhost: vh, exchange: n, destination: d, toExchange: te, routingKey: rk, arguments: a)
                : .unbound(vhost: vh, exchange: n, destination: d, toExchange: te, routingKey: rk, arguments: a)
        case .messageEnqueued:
            guard let id = r.u64(), let ex = r.bytes(), let rk = r.bytes(), let c = r.bytes() else { return nil }
            return .messageEnqueued(vhost: vh, queue: n, id: id, exchange: ex, routingKey: rk, content: c)
        case .messageSettled: return r.u64().map { .messageSettled(vhost: vh, queue: n, id: $0) }
        default: return nil
        }
    }

    @inline(__always) static func putVarint(_ v: UInt64, _ out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always) static func putBytes(_ b: [UInt8], _ out: inout [UInt8]) {
        putVarint(UInt64(b.count), &out)
        out.append(contentsOf: b)
    }

    static func putList(_ list: [[UInt8]], _ out: inout [UInt8]) {
        putVarint(UInt64(list.count), &out)
        for b in list { putBytes(b, &out) }
    }

    @inline(__always) static func putU64(_ v: UInt64, _ out: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    @inline(__always) static func putI64(_ v: Int64, _ out: inout [UInt8]) { putU64(UInt64(bitPattern: v), &out) }
}

/// A bounds-checked cursor over one payload.
struct PayloadReader {
    let p: UnsafeRawBufferPointer
    var at = 0

    init(_ p: UnsafeRawBufferPointer) { self.p = p }

    var atEnd: Bool { at == p.count }

    @inline(__always) mutating func varint() -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while at < p.count, shift < 64 {
            let b = p[at]
            at += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
        return nil
    }

    @inline(__always) mutating func db() -> Int? {
        guard let v = varint(), v <= UInt64(Int32.max) else { return nil }
        return Int(v)
    }

    @inline(__always) mutating func bytes() -> [UInt8]? {
        guard let n = varint(), n <= UInt64(p.count - at) else { return nil }
        let s = Int(n)
        defer { at += s }
        return s == 0 ? [] : [UInt8](UnsafeRawBufferPointer(rebasing: p[at..<at + s]))
    }

    /// A non-negative count or index that fits an Int32 (lists never hold more).
    mutating func count() -> Int? {
        guard let v = varint(), v <= UInt64(Int32.max) else { return nil }
        return Int(v)
    }

    /// A varint count then that many byte strings (each needs at least its length byte).
    mutating func list() -> [[UInt8]]? {
        guard let n = varint(), n <= UInt64(p.count - at) else { return nil }
        var out: [[UInt8]] = []
        out.reserveCapacity(Int(n))
        for _ in 0..<Int(n) {
            guard let b = bytes() else { return nil }
            out.append(b)
        }
        return out
    }

    @inline(__always) mutating func u64() -> UInt64? {
        guard p.count - at >= 8 else { return nil }
        defer { at += 8 }
        return UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    @inline(__always) mutating func i64() -> Int64? { u64().map { Int64(bitPattern: $0) } }

    @inline(__always) mutating func bool() -> Bool? {
        guard at < p.count, p[at] <= 1 else { return nil }
        defer { at += 1 }
        return p[at] == 1
    }
}
