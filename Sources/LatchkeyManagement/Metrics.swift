// /metrics in the Prometheus text exposition format (version 0.0.4): RabbitMQ's prometheus
// plugin names for queues, connections, channels and alarms (aggregated at /metrics, one
// sample per queue at /metrics/per-object, as the plugin does) and latchkey_ metrics for the
// RESP side and the append-only log. Everything is read from live state when scraped.
import LatchkeyBroker
import LatchkeyChannels
import LatchkeyCore
import LatchkeyHTTP

struct MetricsWriter {
    var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int64) {
        sample(name, labels, String(value))
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { $0.0 + "=\"" + MetricsWriter.escape($0.1) + "\"" }.joined(separator: ",") + "}"
        }
        text += " " + value + "\n"
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}

extension Router {
    func metrics(perObject: Bool) -> HTTPResponse {
        var w = MetricsWriter()
        let broker = frontEnd.amqp.broker
        // Aggregated samples need no order; per-object ones are listed by vhost and name.
        let queues =
            perObject ? sortedQueues(vhost: nil) ?? [] : broker.vhosts.values.flatMap { Array($0.queues.values) }
        let node = frontEnd.node
        w.family("rabbitmq_identity_info", "untyped", "RabbitMQ node & cluster identity info")
        w.sample("rabbitmq_identity_info", [("rabbitmq_node", node), ("rabbitmq_cluster", node)], 1)
        w.family("rabbitmq_build_info", "untyped", "RabbitMQ & Erlang/OTP version info")
        w.sample(
            "rabbitmq_build_info",
            [
                ("rabbitmq_version", Router.emulatedVersion), ("product", "Latchkey"),
                ("product_version", frontEnd.context.latchkeyVersion),
            ], 1)
        // One pass over the queues reads every figure (a closure per metric and queue costs
        // ten times more in reference counting with 10,000 queues).
        let families: [(String, String, String)] = [
            ("rabbitmq_queue_messages_ready", "gauge", "Messages ready to be delivered to consumers"),
            ("rabbitmq_queue_messages_unacked", "gauge", "Messages delivered to consumers but not yet acknowledged"),
            ("rabbitmq_queue_messages", "gauge", "Sum of ready and unacknowledged messages - total queue depth"),
            ("rabbitmq_queue_messages_bytes", "gauge", "Size in bytes of ready messages"),
            ("rabbitmq_queue_consumers", "gauge", "Consumers on a queue"),
            ("rabbitmq_queue_messages_published_total", "counter", "Total number of messages published to queues"),
            (
                "latchkey_queue_messages_delivered_total", "counter",
                "Total number of messages delivered to consumers or fetched with basic.get"
            ),
        ]
        var sums = [Int64](repeating: 0, count: families.count)
        var rows: [(labels: [(String, String)], values: [Int64])] = []
        for q in queues {
            let ready = Int64(q.messageCount)
            let unacked = Int64(q.unackedCount)
            let values: [Int64] = [
                ready, unacked, ready + unacked, Int64(q.readyBodyBytes), Int64(q.consumerCount),
                Int64(clamping: q.enqueuedTotal), Int64(clamping: q.deliveredTotal),
            ]
            for i in 0..<values.count { sums[i] &+= values[i] }
            if perObject {
                rows.append(
                    (
                        [
                            ("vhost", String(decoding: q.vhost.name, as: UTF8.self)),
                            ("queue", String(decoding: q.name, as: UTF8.self)),
                        ], values
                    ))
            }
        }
        for (i, (name, type, help)) in families.enumerated() {
            w.family(name, type, help)
            if perObject {
                for row in rows { w.sample(name, row.labels, row.values[i]) }
            } else {
                w.sample(name, [], sums[i])
            }
        }
        let sessions = amqpSessions
        w.family("rabbitmq_queues", "gauge", "Queues available")
        w.sample("rabbitmq_queues", [], Int64(queues.count))
        w.family("rabbitmq_connections", "gauge", "Connections currently open")
        w.sample("rabbitmq_connections", [], Int64(sessions.count))
        w.family("rabbitmq_channels", "gauge", "Channels currently open")
        w.sample("rabbitmq_channels", [], Int64(sessions.reduce(0) { $0 + $1.channelSnapshots.count }))
        w.family("rabbitmq_consumers", "gauge", "Consumers currently connected")
        w.sample("rabbitmq_consumers", [], Int64(queues.reduce(0) { $0 + $1.consumerCount }))
        w.family("rabbitmq_alarms_memory_used_watermark", "gauge", "is set to 1 if memory alarm is in effect")
        w.sample("rabbitmq_alarms_memory_used_watermark", [], frontEnd.amqp.memoryAlarm.isBlocked ? 1 : 0)
        w.family("rabbitmq_alarms_free_disk_space_watermark", "gauge", "is set to 1 if disk alarm is in effect")
        w.sample("rabbitmq_alarms_free_disk_space_watermark", [], frontEnd.amqp.diskAlarm.isFailing ? 1 : 0)
        w.family(
            "latchkey_amqp_queued_bytes", "gauge", "Bytes of all messages held by queues, each message counted once")
        w.sample("latchkey_amqp_queued_bytes", [], Int64(broker.queuedBytes))
        respMetrics(&w)
        return HTTPResponse(
            status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Bytes(w.text.utf8))
    }

    private func respMetrics(_ w: inout MetricsWriter) {
        let c = frontEnd.context
        let ks = frontEnd.keyspace
        w.family("latchkey_keys", "gauge", "Keys per database (expired keys not yet reclaimed included, as DBSIZE)")
        for (i, db) in ks.databases.enumerated() where db.count > 0 || i == 0 {
            w.sample("latchkey_keys", [("db", String(i))], Int64(db.count))
        }
        w.family("latchkey_keys_with_ttl", "gauge", "Keys with a TTL (locks) per database")
        for (i, db) in ks.databases.enumerated() where db.count > 0 || i == 0 {
            w.sample("latchkey_keys_with_ttl", [("db", String(i))], Int64(db.expiresCount))
        }
        var byKind: [String: Int64] = ["resp": 0, "amqp": 0, "http": 0]
        for client in c.clients.values { byKind[client.kind.name, default: 0] += 1 }
        w.family("latchkey_connected_clients", "gauge", "Connected clients by protocol")
        for k in ["resp", "amqp", "http"] { w.sample("latchkey_connected_clients", [("protocol", k)], byKind[k] ?? 0) }
        let s = c.stats
        let counters: [(String, String, UInt64)] = [
            ("latchkey_commands_processed_total", "RESP commands processed", s.totalCommandsProcessed),
            (
                "latchkey_connections_received_total", "Connections accepted on every listener",
                s.totalConnectionsReceived
            ),
            ("latchkey_rejected_connections_total", "Connections refused because of maxclients", s.rejectedConnections),
            ("latchkey_expired_keys_total", "Keys removed because their TTL passed", s.expiredKeys),
            ("latchkey_keyspace_hits_total", "Successful key lookups", s.keyspaceHits),
            ("latchkey_keyspace_misses_total", "Failed key lookups", s.keyspaceMisses),
            ("latchkey_net_input_bytes_total", "Bytes read from clients", s.totalNetInputBytes),
            ("latchkey_net_output_bytes_total", "Bytes written to clients", s.totalNetOutputBytes),
        ]
        for (name, help, value) in counters {
            w.family(name, "counter", help)
            w.sample(name, [], Int64(clamping: value))
        }
        let p = c.persistence
        let gauges: [(String, String, Int64)] = [
            ("latchkey_uptime_seconds", "Seconds since the server started", (c.nowMs - c.startTimeMs) / 1000),
            ("latchkey_aof_enabled", "1 when the append-only log is on", p.aofEnabled ? 1 : 0),
            ("latchkey_aof_rewrite_in_progress", "1 while the log is being rewritten", p.aofRewriteInProgress ? 1 : 0),
            (
                "latchkey_aof_last_write_ok", "1 when the last write to the log succeeded",
                p.aofLastWriteStatus == "ok" && p.writeFailure == nil ? 1 : 0
            ), ("latchkey_aof_current_size_bytes", "Size of the append-only log", p.aofCurrentSize),
            ("latchkey_aof_base_size_bytes", "Size of the log after its last rewrite", p.aofBaseSize),
        ]
        for (name, help, value) in gauges {
            w.family(name, "gauge", help)
            w.sample(name, [], value)
        }
    }
}
