// /api/connections (list, one, DELETE = close with 320 CONNECTION_FORCED as RabbitMQ's "Closed
// via management plugin"), /api/channels and /api/consumers, named as RabbitMQ names them:
// a connection is "peer -> local", a channel is "peer -> local (n)". Only AMQP connections
// are listed (RESP clients are in CLIENT LIST, INFO and /metrics).
import LatchkeyBroker
import LatchkeyChannels
import LatchkeyCore
import LatchkeyHTTP

/// Which connection and channel number each broker-side DeliveryChannel belongs to.
struct ChannelIndex {
    var byChannel: [ObjectIdentifier: (session: ConnectionSession, number: UInt16)] = [:]
    init(_ amqp: AMQPFrontEnd) {
        for s in amqp.sessions.values {
            for c in s.channelSnapshots { byChannel[ObjectIdentifier(c.delivery)] = (s, c.number) }
        }
    }
}

extension Router {
    static func connectionName(_ c: ClientInfo) -> String { c.peerAddress + " -> " + c.localAddress }
    /// "127.0.0.1" of "127.0.0.1:5672" (brackets of an IPv6 address removed).
    static func host(_ address: String) -> String {
        guard let colon = address.lastIndex(of: ":") else { return address }
        var h = address[..<colon]
        if h.hasPrefix("["), h.hasSuffix("]") { h = h.dropFirst().dropLast() }
        return String(h)
    }
    static func port(_ address: String) -> Int {
        guard let colon = address.lastIndex(of: ":") else { return 0 }
        return Int(address[address.index(after: colon)...]) ?? 0
    }

    /// Running AMQP connections, oldest first.
    var amqpSessions: [ConnectionSession] {
        frontEnd.amqp.sessions.values.filter { $0.isRunning || $0.phase == .closing }.sorted { $0.id < $1.id }
    }

    func connectionJSON(_ s: ConnectionSession) -> JSON {
        let c = s.client
        var m: [(String, JSON)] = [
            ("auth_mechanism", .string("PLAIN")), ("channel_max", .int(Int64(s.channelMax))),
            ("channels", .int(Int64(s.channelSnapshots.count))),
            ("client_properties", FieldTableJSON.json(s.clientProperties)), ("connected_at", .int(c.createdAtMs)),
            ("frame_max", .int(Int64(s.frameMax))), ("host", .string(Router.host(c.localAddress))),
            ("name", .string(Router.connectionName(c))), ("node", .string(frontEnd.node)),
            ("peer_host", .string(Router.host(c.peerAddress))), ("peer_port", .int(Int64(Router.port(c.peerAddress)))),
            ("port", .int(Int64(Router.port(c.localAddress)))), ("protocol", .string("AMQP 0-9-1")),
            ("ssl", .bool(false)), ("state", .string(s.stateName)), ("timeout", .int(Int64(s.heartbeat))),
            ("type", .string("network")), ("user", FieldTableJSON.text(s.user)),
            ("vhost", FieldTableJSON.text(s.vhost)),
        ]
        if case .longString(let name)? = s.clientProperties["connection_name"] {
            m.append(("user_provided_name", FieldTableJSON.text(name)))
        }
        return .object(m)
    }

    func connections() -> HTTPResponse { list(amqpSessions.map(connectionJSON)) }

    func session(named name: String) -> ConnectionSession? {
        amqpSessions.first { Router.connectionName($0.client) == name }
    }

    func connection(_ name: String) -> HTTPResponse {
        guard let s = session(named: name) else { return ManagementErrors.notFound }
        return ok(connectionJSON(s))
    }

    /// DELETE: connection.close 320 with RabbitMQ's text (the X-Reason header overrides it).
    func closeConnection(_ name: String) -> HTTPResponse {
        guard let s = session(named: name) else { return ManagementErrors.notFound }
        let reason = request.header("x-reason") ?? "Closed via management plugin"
        s.closeConnection(with: .connectionForced(reason))
        return HTTPResponse(status: .noContent)
    }

    func channelDetails(_ s: ConnectionSession, _ number: UInt16) -> JSON {
        let c = s.client
        return .object([
            ("connection_name", .string(Router.connectionName(c))),
            ("name", .string(Router.connectionName(c) + " (\(number))")), ("node", .string(frontEnd.node)),
            ("number", .int(Int64(number))), ("peer_host", .string(Router.host(c.peerAddress))),
            ("peer_port", .int(Int64(Router.port(c.peerAddress)))), ("user", FieldTableJSON.text(s.user)),
        ])
    }

    func channelJSON(_ s: ConnectionSession, _ ch: ChannelSnapshot) -> JSON {
        let c = s.client
        return .object([
            ("acks_uncommitted", .int(0)), ("confirm", .bool(ch.confirm)),
            (
                "connection_details",
                .object([
                    ("name", .string(Router.connectionName(c))), ("peer_host", .string(Router.host(c.peerAddress))),
                    ("peer_port", .int(Int64(Router.port(c.peerAddress)))),
                ])
            ), ("consumer_count", .int(Int64(ch.delivery.consumers.count))),
            ("global_prefetch_count", .int(Int64(ch.delivery.prefetchCount))),
            ("messages_unacknowledged", .int(Int64(ch.unacknowledged))), ("messages_uncommitted", .int(0)),
            ("messages_unconfirmed", .int(Int64(ch.unconfirmed))),
            ("name", .string(Router.connectionName(c) + " (\(ch.number))")), ("node", .string(frontEnd.node)),
            ("number", .int(Int64(ch.number))), ("prefetch_count", .int(Int64(ch.delivery.consumerPrefetch))),
            ("state", .string(ch.delivery.paused ? "flow" : "running")), ("transactional", .bool(ch.transactional)),
            ("user", FieldTableJSON.text(s.user)), ("vhost", FieldTableJSON.text(s.vhost)),
        ])
    }

    func channels() -> HTTPResponse {
        list(amqpSessions.flatMap { s in s.channelSnapshots.map { channelJSON(s, $0) } })
    }

    func channels(ofConnection name: String) -> HTTPResponse {
        guard let s = session(named: name) else { return ManagementErrors.notFound }
        return list(s.channelSnapshots.map { channelJSON(s, $0) })
    }

    func consumerJSON(_ c: Consumer, _ index: ChannelIndex) -> JSON {
        let q = c.queue
        let sac = q.settings.singleActiveConsumer
        let active = !sac || q.consumers.first === c
        var m: [(String, JSON)] = [
            ("arguments", FieldTableJSON.json(c.arguments)), ("ack_required", .bool(!c.noAck)),
            ("active", .bool(active)),
            ("activity_status", .string(sac ? (active ? "single_active" : "waiting") : "up")),
        ]
        if let (s, n) = index.byChannel[ObjectIdentifier(c.channel)] {
            m.append(("channel_details", channelDetails(s, n)))
        }
        m += [
            ("consumer_tag", FieldTableJSON.text(c.tag)), ("exclusive", .bool(c.exclusive)),
            ("prefetch_count", .int(Int64(c.prefetch))),
            ("queue", .object([("name", FieldTableJSON.text(q.name)), ("vhost", FieldTableJSON.text(q.vhost.name))])),
        ]
        return .object(m)
    }

    func consumers(vhost name: String?) -> HTTPResponse {
        guard let qs = sortedQueues(vhost: name) else {
            return ManagementErrors.notFound(ManagementErrors.vhostNotFound)
        }
        let index = ChannelIndex(frontEnd.amqp)
        return list(qs.flatMap { q in q.consumers.map { consumerJSON($0, index) } })
    }
}
