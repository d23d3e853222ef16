// Helpers for the log tests (TempDir is in LatchkeyTestSupport): raw file access, a sample of every
// record kind, and a tiny key/value model that replays records (to compare states).
import Glibc
import LatchkeyCore
import LatchkeyTestSupport

@testable import LatchkeyLog

enum RawFile {
    static func read(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    static func write(_ path: String, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// A log file: header plus the given records.
    static func log(_ records: [LogRecord]) -> [UInt8] {
        var out = RecordCodec.fileHeader()
        for r in records { RecordCodec.encode(r, into: &out) }
        return out
    }
}

func b(_ s: String) -> Bytes { Bytes(utf8: s) }

/// One record of every kind, with edge values (empty strings, binary bytes, large ids).
let everyRecord: [LogRecord] = [
    .set(db: 0, key: b("lock:a"), value: b("token-1"), expireAtMs: 1_790_000_000_123),
    .set(db: 15, key: [0, 255, 13, 10], value: [], expireAtMs: 0),
    .set(db: 3, key: b("big"), value: [UInt8](repeating: 0xAB, count: 300), expireAtMs: -1),
    .delete(db: 2, key: b("gone")), .expireAt(db: 0, key: b("k"), atMs: Int64.max), .persist(db: 1, key: b("k")),
    .flushDB(db: 9), .flushAll,
    .queueDeclared(vhost: b("/"), name: b("jobs"), autoDelete: false, arguments: [1, 2, 3]),
    .queueDeleted(vhost: b("/"), name: b("jobs")), .queuePurged(vhost: b("vh"), name: b("q")),
    .exchangeDeclared(vhost: b("/"), name: b("ex"), type: b("topic"), autoDelete: true, internal: true, arguments: []),
    .exchangeDeleted(vhost: b("/"), name: b("ex")),
    .bound(
        vhost: b("/"), exchange: b("ex"), destination: b("jobs"), toExchange: false, routingKey: b("a.*"),
        arguments: [9]),
    .unbound(
        vhost: b("/"), exchange: b("ex"), destination: b("ex2"), toExchange: true, routingKey: b(""), arguments: []),
    .messageEnqueued(
        vhost: b("/"), queue: b("jobs"), id: UInt64.max, exchange: b(""), routingKey: b("jobs"), content: b("hdr+body")),
    .messageSettled(vhost: b("/"), queue: b("jobs"), id: 42),
    .listPush(db: 0, key: b("q"), atHead: true, elements: [b("a"), [], [0, 13, 10]]),
    .listPush(db: 15, key: [], atHead: false, elements: []), .listPop(db: 1, key: b("q"), atHead: false, count: 3),
    .listSet(db: 0, key: b("q"), index: 2, value: b("x")), .listInsert(db: 0, key: b("q"), index: 0, value: []),
    .listRemove(db: 0, key: b("q"), count: Int64.min, value: b("a")),
    .listTrim(db: 0, key: b("q"), start: 1, stop: Int(Int32.max)),
    .hashSet(db: 2, key: b("h"), pairs: [b("f"), b("v"), [], []]),
    .hashDelete(db: 2, key: b("h"), fields: [b("f"), b("g")]), .rename(db: 3, from: b("a"), to: b("b")),
]

/// A key/value model (db → key → (value, expireAtMs)) that records replay into.
struct KVModel: Equatable {
    var dbs: [Int: [Bytes: KVEntry]] = [:]

    struct KVEntry: Equatable {
        var value: Bytes
        var expireAtMs: Int64
    }

    mutating func apply(_ r: LogRecord) {
        switch r {
        case .set(let db, let k, let v, let e): dbs[db, default: [:]][k] = KVEntry(value: v, expireAtMs: e)
        case .delete(let db, let k): dbs[db]?[k] = nil
        case .expireAt(let db, let k, let at): dbs[db]?[k]?.expireAtMs = at
        case .persist(let db, let k): dbs[db]?[k]?.expireAtMs = 0
        case .flushDB(let db): dbs[db] = nil
        case .flushAll: dbs = [:]
        default: break
        }
        dbs = dbs.filter { !$0.value.isEmpty }
    }

    /// The live state as records (what a front end's snapshot would produce).
    func snapshot() -> [LogRecord] {
        var out: [LogRecord] = []
        for (db, keys) in dbs.sorted(by: { $0.key < $1.key }) {
            for (k, e) in keys { out.append(.set(db: db, key: k, value: e.value, expireAtMs: e.expireAtMs)) }
        }
        return out
    }

    static func replaying(_ path: String) throws -> (KVModel, ReplayReport) {
        var m = KVModel()
        let report = try LogReader.replay(path: path, truncateTornTail: true) { m.apply($0) }
        return (m, report)
    }
}
