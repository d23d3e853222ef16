// RabbitMQ's x-death bookkeeping for dead-lettered messages: the x-death array (newest first,
// one entry per queue and reason, with a count) and the x-first-death-* headers. When and why a
// message dies is the broker's call; this only rewrites its properties.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

/// RabbitMQ's x-death header: an array of tables, newest first, one per (queue, reason) with
/// a count; plus x-first-death-* headers; the expiration property moves into the entry.
enum XDeath {
    static func add(_ d: DeathEvent, to p: inout BasicProperties) {
        var headers = p.headers ?? FieldTable()
        var deaths: [FieldValue] = []
        if case .array(let a)? = headers["x-death"] { deaths = a }
        let reason = FieldValue.longString(Bytes(d.reason.rawValue.utf8))
        let queue = FieldValue.longString(d.queue)
        var count: Int64 = 1
        if let i = deaths.firstIndex(where: { v in
            guard case .table(let t) = v else { return false }
            return t["queue"] == queue && t["reason"] == reason
        }) {
            if case .table(let t) = deaths[i], let c = t["count"]?.integerValue { count = c + 1 }
            deaths.remove(at: i)
        }
        var entry = FieldTable()
        entry.append("count", .int64(count))
        entry.append("reason", reason)
        entry.append("queue", queue)
        entry.append("time", .timestamp(UInt64(max(0, d.timeMs / 1000))))
        entry.append("exchange", .longString(d.exchange))
        entry.append("routing-keys", .array(d.routingKeys.map { .longString($0) }))
        if let exp = p.expiration {
            entry.append("original-expiration", .longString(exp))
            p.expiration = nil
        }
        deaths.insert(.table(entry), at: 0)
        headers.entries.removeAll { $0.key == Bytes("x-death".utf8) }
        headers.append("x-death", .array(deaths))
        if headers["x-first-death-reason"] == nil {
            headers.append("x-first-death-reason", reason)
            headers.append("x-first-death-queue", queue)
            headers.append("x-first-death-exchange", .longString(d.exchange))
        }
        p.headers = headers
    }
}
