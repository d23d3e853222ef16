// /api/overview, /api/whoami, /api/vhosts, /api/nodes, /api/users, /api/health/checks/alarms
// and /api/aliveness-test/{vhost}. The overview reports the RabbitMQ API level Latchkey
// emulates (rabbitmq_version 3.10.8, which tools compare against) and Latchkey's own product
// name and version; totals are computed from the broker when asked.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyChannels
import LatchkeyCore
import LatchkeyHTTP

extension Router {
    /// The RabbitMQ release whose management API this one follows.
    static let emulatedVersion = "3.10.8"

    struct Totals {
        var ready = 0
        var unacked = 0
        var queues = 0
        var consumers = 0
        var exchanges = 0
        var published: UInt64 = 0
        var delivered: UInt64 = 0
    }

    func totals(_ hosts: [VirtualHost]) -> Totals {
        var t = Totals()
        for v in hosts {
            t.exchanges += v.exchanges.count
            for q in v.queues.values {
                t.queues += 1
                t.ready += q.messageCount
                t.unacked += q.unackedCount
                t.consumers += q.consumerCount
                t.published &+= q.enqueuedTotal
                t.delivered &+= q.deliveredTotal
            }
        }
        return t
    }

    func overview() -> HTTPResponse {
        let broker = frontEnd.amqp.broker
        let t = totals(Array(broker.vhosts.values))
        let g = frontEnd.rates.global
        let sessions = amqpSessions
        let types = ["direct", "fanout", "headers", "topic"].map { name -> JSON in
            .object([
                ("name", .string(name)),
                ("description", .string("AMQP \(name) exchange, as per the AMQP specification")),
                ("enabled", .bool(true)),
            ])
        }
        let listeners = frontEnd.listeners().map { l -> JSON in
            .object([
                ("node", .string(frontEnd.node)), ("protocol", .string(l.protocolName)), ("ip_address", .string(l.ip)),
                ("port", .int(Int64(l.port))),
            ])
        }
        return ok(
            .object([
                ("management_version", .string(Router.emulatedVersion)), ("rates_mode", .string("basic")),
                ("exchange_types", .array(types)), ("product_version", .string(frontEnd.context.latchkeyVersion)),
                ("product_name", .string("Latchkey")), ("rabbitmq_version", .string(Router.emulatedVersion)),
                ("cluster_name", .string(frontEnd.node)), ("erlang_version", .string("none (Latchkey is Swift)")),
                ("disable_stats", .bool(false)), ("enable_queue_totals", .bool(false)),
                (
                    "message_stats",
                    .object([
                        ("deliver_get", .int(Int64(clamping: t.delivered))),
                        ("deliver_get_details", Router.details(g.deliver)),
                        ("publish", .int(Int64(clamping: t.published))), ("publish_details", Router.details(g.publish)),
                    ])
                ),
                (
                    "queue_totals",
                    .object([
                        ("messages", .int(Int64(t.ready + t.unacked))),
                        ("messages_details", Router.details(g.messages)), ("messages_ready", .int(Int64(t.ready))),
                        ("messages_ready_details", Router.details(g.ready)),
                        ("messages_unacknowledged", .int(Int64(t.unacked))),
                        ("messages_unacknowledged_details", Router.details(g.unacked)),
                    ])
                ),
                (
                    "object_totals",
                    .object([
                        ("channels", .int(Int64(sessions.reduce(0) { $0 + $1.channelSnapshots.count }))),
                        ("connections", .int(Int64(sessions.count))), ("consumers", .int(Int64(t.consumers))),
                        ("exchanges", .int(Int64(t.exchanges))), ("queues", .int(Int64(t.queues))),
                    ])
                ), ("statistics_db_event_queue", .int(0)), ("node", .string(frontEnd.node)),
                ("listeners", .array(listeners)),
            ]))
    }

    /// Every configured user is an administrator (Latchkey has no permissions model).
    func whoami() -> HTTPResponse {
        ok(.object([("name", .string(user)), ("tags", .array([.string("administrator")]))]))
    }

    func users() -> HTTPResponse {
        let names = frontEnd.amqp.users.keys.sorted { $0.lexicographicallyPrecedes($1) }
        return list(
            names.map { n in
                .object([
                    ("name", FieldTableJSON.text(n)), ("tags", .array([.string("administrator")])),
                    ("limits", .object([])),
                ])
            })
    }

    func vhostJSON(_ v: VirtualHost) -> JSON {
        let t = totals([v])
        return .object([
            ("cluster_state", .object([(frontEnd.node, .string("running"))])),
            ("default_queue_type", .string("undefined")),
            ("description", .string(v.name == [0x2F] ? "Default virtual host" : "")),
            ("messages", .int(Int64(t.ready + t.unacked))), ("messages_ready", .int(Int64(t.ready))),
            ("messages_unacknowledged", .int(Int64(t.unacked))),
            (
                "metadata",
                .object([
                    ("description", .string(v.name == [0x2F] ? "Default virtual host" : "")), ("tags", .array([])),
                ])
            ), ("name", FieldTableJSON.text(v.name)), ("tags", .array([])), ("tracing", .bool(false)),
        ])
    }

    func vhosts(_ name: String?) -> HTTPResponse {
        let broker = frontEnd.amqp.broker
        if let name {
            guard let v = vhost(name) else { return ManagementErrors.notFound }
            return ok(vhostJSON(v))
        }
        return list(broker.vhosts.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }.map(vhostJSON))
    }

    func nodes() -> HTTPResponse {
        let c = frontEnd.context
        return list([
            .object([
                ("name", .string(frontEnd.node)), ("type", .string("disc")), ("running", .bool(true)),
                ("uptime", .int(c.nowMs - c.startTimeMs)), ("mem_alarm", .bool(frontEnd.amqp.memoryAlarm.isBlocked)),
                ("disk_free_alarm", .bool(frontEnd.amqp.diskAlarm.isFailing)),
                ("sockets_used", .int(Int64(c.clients.count))), ("sockets_total", .int(c.config.int(.maxclients))),
            ])
        ])
    }

    /// 200 {"status":"ok"}, or 503 with the alarms in effect, as RabbitMQ's health check.
    func alarms() -> HTTPResponse {
        var alarms: [JSON] = []
        if frontEnd.amqp.memoryAlarm.isBlocked {
            alarms.append(.object([("node", .string(frontEnd.node)), ("resource", .string("memory"))]))
        }
        if frontEnd.amqp.diskAlarm.isFailing {
            alarms.append(.object([("node", .string(frontEnd.node)), ("resource", .string("disk"))]))
        }
        if alarms.isEmpty { return ok(.object([("status", .string("ok"))])) }
        let body = JSON.object([
            ("status", .string("failed")), ("reason", .string("There are alarms in effect in the cluster")),
            ("alarms", .array(alarms)),
        ])
        return HTTPResponse(status: .serviceUnavailable, contentType: "application/json", body: body.encoded)
    }

    /// Declares "aliveness-test", publishes to it and gets the message back, as RabbitMQ does.
    func aliveness(_ v: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound }
        let broker = frontEnd.amqp.broker
        let name = Bytes("aliveness-test".utf8)
        do {
            let q = try broker.declareQueue(
                in: vh, name: name, durable: false, exclusive: false, autoDelete: false, arguments: .empty,
                connection: 0)
            _ = try frontEnd.amqp.publish(
                in: vh, exchange: [], routingKey: name, properties: BasicProperties(), body: Bytes("test_message".utf8))
            guard let (d, _) = broker.get(from: q, noAck: true), d.message.body == Bytes("test_message".utf8) else {
                return ok(.object([("status", .string("failed")), ("reason", .string("no message"))]))
            }
        } catch { return ok(.object([("status", .string("failed")), ("reason", .string(error.replyText))])) }
        return ok(.object([("status", .string("ok"))]))
    }
}
