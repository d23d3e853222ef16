import LatchkeyBroker
import LatchkeyChannels
import LatchkeyCore
import LatchkeyHTTP

// /api/queues: list (all, per vhost), one queue, declare (PUT), delete (DELETE, with if-empty /
// if-unused), purge (DELETE .../contents) and get (POST .../get with RabbitMQ's four ackmodes:
// the fetched messages are settled together afterwards, so a requeueing get never returns the
// same message twice). Field names and status codes are RabbitMQ 3.10's.
#if canImport(Glibc)
import Glibc
#endif

extension Router {
    static func details(_ rate: Double) -> JSON { .object([("rate", .double(rate))]) }

    /// One queue as RabbitMQ's /api/queues shows it (the fields Latchkey can fill).
    func queueJSON(_ q: Queue, consumerDetails: Bool = false) -> JSON {
        let r = frontEnd.rates.rates(of: q)
        let ready = q.messageCount
        let unacked = q.unackedCount
        var m: [(String, JSON)] = [
            ("arguments", FieldTableJSON.json(q.arguments)), ("auto_delete", .bool(q.autoDelete)),
            ("consumer_capacity", .int(q.consumerCount > 0 ? 1 : 0)),
            ("consumer_utilisation", .int(q.consumerCount > 0 ? 1 : 0)), ("consumers", .int(Int64(q.consumerCount))),
            ("durable", .bool(q.durable)), ("exclusive", .bool(q.exclusiveOwner != nil)),
            (
                "exclusive_consumer_tag",
                q.consumers.first(where: { $0.exclusive }).map { FieldTableJSON.text($0.tag) } ?? .null
            ), ("head_message_timestamp", .null), ("message_bytes", .int(Int64(q.readyBodyBytes))),
            ("message_bytes_ready", .int(Int64(q.readyBodyBytes))),
            (
                "message_stats",
                .object([
                    ("deliver_get", .int(Int64(clamping: q.deliveredTotal))),
                    ("deliver_get_details", Router.details(r.deliver)),
                    ("publish", .int(Int64(clamping: q.enqueuedTotal))), ("publish_details", Router.details(r.publish)),
                ])
            ), ("messages", .int(Int64(ready + unacked))), ("messages_details", Router.details(r.messages)),
            ("messages_ready", .int(Int64(ready))), ("messages_ready_details", Router.details(r.ready)),
            ("messages_unacknowledged", .int(Int64(unacked))),
            ("messages_unacknowledged_details", Router.details(r.unacked)), ("name", FieldTableJSON.text(q.name)),
            ("node", .string(frontEnd.node)), ("policy", .null),
            (
                "single_active_consumer_tag",
                q.settings.singleActiveConsumer ? q.consumers.first.map { FieldTableJSON.text($0.tag) } ?? .null : .null
            ), ("state", .string("running")), ("type", .string("classic")),
            ("vhost", FieldTableJSON.text(q.vhost.name)),
        ]
        if let owner = q.exclusiveOwner, let s = frontEnd.amqp.sessions[owner] {
            m.append(
                (
                    "owner_pid_details",
                    .object([
                        ("name", .string(Router.connectionName(s.client))),
                        ("peer_host", .string(Router.host(s.client.peerAddress))),
                        ("peer_port", .int(Int64(Router.port(s.client.peerAddress)))),
                    ])
                ))
        }
        if consumerDetails {
            let index = ChannelIndex(frontEnd.amqp)
            m.insert(("consumer_details", .array(q.consumers.map { consumerJSON($0, index) })), at: 0)
        }
        return .object(m)
    }

    /// Queues of one vhost (or all), sorted by vhost and name as RabbitMQ lists them.
    func sortedQueues(vhost name: String?) -> [Queue]? {
        let broker = frontEnd.amqp.broker
        var hosts: [VirtualHost]
        if let name {
            guard let v = vhost(name) else { return nil }
            hosts = [v]
        } else {
            hosts = broker.vhosts.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        }
        return hosts.flatMap { v in v.queues.values.sorted { Router.bytesLess($0.name, $1.name) } }
    }

    /// Byte order of two names with memcmp (the generic lexicographic compare is several times
    /// slower, which shows when 10,000 queues are sorted for every page refresh).
    static func bytesLess(_ a: Bytes, _ b: Bytes) -> Bool {
        let n = min(a.count, b.count)
        let c = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in n == 0 ? 0 : memcmp(pa.baseAddress!, pb.baseAddress!, n) }
        }
        return c != 0 ? c < 0 : a.count < b.count
    }

    func queues(vhost name: String?) -> HTTPResponse {
        guard var qs = sortedQueues(vhost: name) else {
            return ManagementErrors.notFound(ManagementErrors.vhostNotFound)
        }
        // The live page asks for one sorted page every second: sort, filter and slice the queues
        // themselves, and build JSON for that page only (10,000 queues: ~1 ms instead of ~100).
        let sortName = query["sort"] ?? ""
        let key = Router.queueSortKey(sortName)
        guard query["page"] != nil, sortName.isEmpty || sortName == "name" || key != nil else {
            return list(qs.map { queueJSON($0) })
        }
        let total = qs.count
        if let key {
            // Keys computed once per queue; the vhost/name order of `qs` breaks ties.
            var decorated = qs.enumerated().map { (key: key($0.element), order: $0.offset, queue: $0.element) }
            decorated.sort { $0.key != $1.key ? $0.key < $1.key : $0.order < $1.order }
            qs = decorated.map(\.queue)
        } else if sortName == "name" {
            qs.sort { Router.bytesLess($0.name, $1.name) }
        }
        if query["sort_reverse"] == "true" { qs.reverse() }
        if let filter = query["name"], !filter.isEmpty {
            qs = qs.filter { String(decoding: $0.name, as: UTF8.self).contains(filter) }
        }
        guard let page = Int(query["page"] ?? ""), page >= 1 else {
            return ManagementErrors.badRequest("page must be a positive integer")
        }
        let size = Int(query["page_size"] ?? "100") ?? 100
        guard (1...500).contains(size) else {
            return ManagementErrors.badRequest("page_size must be between 1 and 500")
        }
        let pageCount = max(1, (qs.count + size - 1) / size)
        guard page <= pageCount else { return ManagementErrors.badRequest("page out of range") }
        let start = (page - 1) * size
        var r = self
        r.query.removeValue(forKey: "page")
        r.query.removeValue(forKey: "sort")
        r.query.removeValue(forKey: "sort_reverse")
        r.query.removeValue(forKey: "name")
        let items = qs[start..<min(qs.count, start + size)].map { queueJSON($0) }
        return r.paged(items, page: page, size: size, filtered: qs.count, pageCount: pageCount, total: total)
    }

    /// Sort keys the fast path knows (nil: not one of them, so the generic path sorts the JSON).
    static func queueSortKey(_ name: String) -> ((Queue) -> Int)? {
        switch name {
        case "messages_ready": return { $0.messageCount }
        case "messages_unacknowledged": return { $0.unackedCount }
        case "messages": return { $0.messageCount + $0.unackedCount }
        case "consumers": return { $0.consumerCount }
        default: return nil
        }
    }

    func queue(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard let q = vh.queue(named: Bytes(n.utf8)) else { return ManagementErrors.notFound }
        return ok(queueJSON(q, consumerDetails: true))
    }

    /// PUT: 201 when created, 204 when an equivalent queue existed, 400 when it is not equivalent.
    func declareQueue(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard case .success(let body) = bodyJSON() else { return ManagementErrors.badRequest(ManagementErrors.notJSON) }
        let name = Bytes(n.utf8)
        let existed = vh.queue(named: name) != nil
        do {
            _ = try frontEnd.amqp.broker.declareQueue(
                in: vh, name: name, durable: body["durable"]?.boolValue ?? false, exclusive: false,
                autoDelete: body["auto_delete"]?.boolValue ?? false,
                arguments: FieldTableJSON.arguments(body["arguments"]), connection: 0)
        } catch { return ManagementErrors.broker(error) }
        return HTTPResponse(status: existed ? .noContent : .created)
    }

    func deleteQueue(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard let q = vh.queue(named: Bytes(n.utf8)) else { return ManagementErrors.notFound }
        do {
            _ = try frontEnd.amqp.broker.deleteQueue(
                in: vh, named: q.name, ifUnused: query["if-unused"] == "true", ifEmpty: query["if-empty"] == "true",
                connection: q.exclusiveOwner ?? 0)
        } catch { return ManagementErrors.broker(error) }
        return HTTPResponse(status: .noContent)
    }

    func purgeQueue(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard let q = vh.queue(named: Bytes(n.utf8)) else { return ManagementErrors.notFound }
        _ = frontEnd.amqp.broker.purgeQueue(q)
        return HTTPResponse(status: .noContent)
    }

    /// POST .../get {"count", "ackmode", "encoding", "truncate"}.
    func getMessages(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard case .success(let body) = bodyJSON() else { return ManagementErrors.badRequest(ManagementErrors.notJSON) }
        let broker = frontEnd.amqp.broker
        guard let q = vh.queue(named: Bytes(n.utf8)) else {
            return ManagementErrors.notFound("NOT_FOUND - no queue '\(n)' in vhost '\(v)'")
        }
        // rabbitmqadmin sends count and truncate as strings.
        func integer(_ key: String) -> Int64? { body[key]?.intValue ?? body[key]?.stringValue.flatMap { Int64($0) } }
        guard let count = integer("count") ?? Optional(1), count >= 1, count <= 100_000 else {
            return ManagementErrors.badRequest(ManagementErrors.badCount)
        }
        let ackmode = body["ackmode"]?.stringValue ?? ""
        guard
            ["ack_requeue_true", "ack_requeue_false", "reject_requeue_true", "reject_requeue_false"].contains(ackmode)
        else { return ManagementErrors.badRequest(ManagementErrors.badAckmode) }
        let encoding = body["encoding"]?.stringValue ?? "auto"
        guard encoding == "auto" || encoding == "base64" else {
            return ManagementErrors.badRequest(ManagementErrors.badEncoding)
        }
        let truncate = integer("truncate").map { Int(clamping: max(0, $0)) }
        var fetched: [Delivery] = []
        var answers: [JSON] = []
        while fetched.count < count, let (d, remaining) = broker.get(from: q, noAck: false) {
            fetched.append(d)
            answers.append(Router.messageJSON(d, remaining: remaining, encoding: encoding, truncate: truncate))
        }
        switch ackmode {
        case "ack_requeue_false": broker.ack(fetched)
        case "reject_requeue_false": broker.discard(fetched)
        default: broker.requeue(fetched)
        }
        return ok(.array(answers))
    }

    static func messageJSON(_ d: Delivery, remaining: Int, encoding: String, truncate: Int?) -> JSON {
        let m = d.message
        var body = m.body
        let size = body.count
        if let t = truncate, t < body.count { body = Array(body[0..<t]) }
        let props = AMQPFrontEnd.properties(of: m).map(FieldTableJSON.json) ?? .array([])
        var payload: JSON
        var payloadEncoding = "base64"
        if encoding == "auto", let text = String(validating: body, as: UTF8.self),
            !body.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D })
        {
            payload = .string(text)
            payloadEncoding = "string"
        } else {
            payload = .string(Base64.encode(body))
        }
        return .object([
            ("payload_bytes", .int(Int64(size))), ("redelivered", .bool(d.redelivered)),
            ("exchange", FieldTableJSON.text(m.exchange)), ("routing_key", FieldTableJSON.text(m.routingKey)),
            ("message_count", .int(Int64(remaining))), ("properties", props), ("payload", payload),
            ("payload_encoding", .string(payloadEncoding)),
        ])
    }
}
