// Latchkey's own endpoints for the live page and the CLI: /api/latchkey/state (counts, the log's
// state, the clock) and /api/latchkey/locks (keys with a TTL: key, value, time left), paged with
// a SCAN-style cursor so a refresh visits at most a bounded slice of the keyspace however many
// keys it holds. Reading never expires or deletes anything.
import LatchkeyCore
import LatchkeyHTTP
import LatchkeyKeyspace

extension Router {
    /// Most entries one locks request visits (a page may come back short; its cursor goes on).
    static let lockScanBudget = 20_000
    /// Longest value shown per lock.
    static let lockValueLimit = 200

    /// Bytes as readable text: UTF-8 as is, other bytes as \xNN (redis-cli's rendering).
    static func readable(_ b: UnsafeBufferPointer<UInt8>, limit: Int) -> String {
        let slice = Array(b.prefix(limit))
        if let s = String(validating: slice, as: UTF8.self), !slice.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return s
        }
        var out = ""
        for c in slice {
            if c >= 0x20 && c < 0x7F && c != 0x5C {
                out.unicodeScalars.append(Unicode.Scalar(c))
            } else {
                out += "\\x" + String(JSON.hexDigit(c >> 4)) + String(JSON.hexDigit(c & 15))
            }
        }
        return out
    }

    func latchkeyState() -> HTTPResponse {
        let c = frontEnd.context
        let ks = frontEnd.keyspace
        let wall = SystemClock().nowMs()
        // By the front ends' names ("resp" is LatchkeyCommands', which this module does not import).
        var byName: [String: Int] = [:]
        for client in c.clients.values { byName[client.kind.name, default: 0] += 1 }
        let kinds = (
            resp: byName["resp"] ?? 0, amqp: byName[ClientProtocol.amqp.name] ?? 0,
            http: byName[ClientProtocol.http.name] ?? 0
        )
        let dbs = ks.databases.enumerated().filter { $0.element.count > 0 }.map { i, db -> JSON in
            .object([
                ("db", .int(Int64(i))), ("keys", .int(Int64(db.count))),
                ("keys_with_ttl", .int(Int64(db.expiresCount))),
            ])
        }
        let t = totals(Array(frontEnd.amqp.broker.vhosts.values))
        let g = frontEnd.rates.global
        let p = c.persistence
        return ok(
            .object([
                ("version", .string(c.latchkeyVersion)), ("node", .string(frontEnd.node)),
                ("uptime_ms", .int(c.nowMs - c.startTimeMs)), ("clock_ms", .int(c.nowMs)),
                ("wall_clock_ms", .int(wall)),
                // A test clock (LATCHKEY clock commands, a ManualClock) is "not real time".
                ("clock_is_real_time", .bool(abs(c.nowMs - wall) < 1000)),
                (
                    "resp",
                    .object([
                        ("connected_clients", .int(Int64(kinds.resp))),
                        ("commands_processed", .int(Int64(clamping: c.stats.totalCommandsProcessed))),
                        ("expired_keys", .int(Int64(clamping: c.stats.expiredKeys))),
                        ("keys", .int(Int64(ks.databases.reduce(0) { $0 + $1.count }))),
                        ("keys_with_ttl", .int(Int64(ks.databases.reduce(0) { $0 + $1.expiresCount }))),
                        ("databases", .array(dbs)),
                    ])
                ),
                (
                    "amqp",
                    .object([
                        ("connections", .int(Int64(kinds.amqp))), ("queues", .int(Int64(t.queues))),
                        ("consumers", .int(Int64(t.consumers))), ("messages_ready", .int(Int64(t.ready))),
                        ("messages_unacknowledged", .int(Int64(t.unacked))), ("publish_rate", .double(g.publish)),
                        ("deliver_rate", .double(g.deliver)),
                    ])
                ), ("http", .object([("connected_clients", .int(Int64(kinds.http)))])),
                (
                    "log",
                    .object([
                        ("enabled", .bool(p.aofEnabled)), ("rewrite_in_progress", .bool(p.aofRewriteInProgress)),
                        ("rewrite_scheduled", .bool(p.aofRewriteScheduled)),
                        ("last_write_status", .string(p.aofLastWriteStatus)),
                        ("last_rewrite_status", .string(p.aofLastBgrewriteStatus)),
                        ("current_size", .int(p.aofCurrentSize)), ("base_size", .int(p.aofBaseSize)),
                        ("write_error", p.writeFailure.map { .string(Self.misconfText($0)) } ?? .null),
                    ])
                ),
            ]))
    }

    /// `write_error`: the text a RESP write gets while the log fails (ErrorReplies.misconf), so
    /// the page shows what clients see.
    static func misconfText(_ f: LogFailure) -> String { "MISCONF Errors writing to the AOF file: " + f.reason }

    /// GET /api/latchkey/locks?db=0&cursor=0&count=50&match=glob → {"cursor": next, "locks": [...]}
    /// (cursor 0 = the walk is complete). Only keys with a TTL are returned.
    func locks() -> HTTPResponse {
        let ks = frontEnd.keyspace
        guard let db = Int(query["db"] ?? "0"), db >= 0, db < ks.databaseCount else {
            return ManagementErrors.badRequest("db must be a database index")
        }
        guard let cursor = Int(query["cursor"] ?? "0"), cursor >= 0 else {
            return ManagementErrors.badRequest("cursor must be a non-negative integer")
        }
        guard let count = Int(query["count"] ?? "50"), (1...1000).contains(count) else {
            return ManagementErrors.badRequest("count must be between 1 and 1000")
        }
        let pattern = query["match"].flatMap { $0.isEmpty || $0 == "*" ? nil : Bytes($0.utf8) }
        let now = frontEnd.context.nowMs
        var next = cursor
        var visited = 0
        var found: [JSON] = []
        repeat {
            // A step is never cut short (its cursor would skip the rest), so a page may run a little over.
            let step = ks.walkBuckets(db: db, cursor: next, count: min(256, max(16, count - found.count))) { e in
                let at = e.expireAt
                guard at != 0, at > now else { return }
                let key = e.key
                if let pattern, !Glob.matches(pattern, key.bytes) { return }
                var value: JSON = .null
                if e.type == .string {
                    let v = e.stringValue
                    value = .string(Router.readable(v.buffer, limit: Router.lockValueLimit))
                }
                found.append(
                    .object([
                        ("key", .string(Router.readable(key.buffer, limit: 1024))), ("type", .string("\(e.type.name)")),
                        ("value", value), ("value_bytes", .int(Int64(e.valueLength))), ("ttl_ms", .int(at - now)),
                        ("expires_at_ms", .int(at)),
                    ]))
            }
            next = step.next
            visited += step.seen
        } while next != 0 && found.count < count && visited < Router.lockScanBudget
        let d = ks.databases[db]
        return ok(
            .object([
                ("db", .int(Int64(db))), ("cursor", .int(Int64(next))), ("keys", .int(Int64(d.count))),
                ("keys_with_ttl", .int(Int64(d.expiresCount))), ("now_ms", .int(now)), ("locks", .array(found)),
            ]))
    }
}
