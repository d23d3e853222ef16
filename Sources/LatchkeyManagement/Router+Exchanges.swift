// /api/exchanges: list, one exchange, declare (PUT), delete (DELETE, if-unused) and publish
// (POST .../publish → {"routed": bool}). The default exchange is "amq.default" in paths and ""
// in answers, as in RabbitMQ.
import LatchkeyBroker
import LatchkeyChannels
import LatchkeyCore
import LatchkeyHTTP

extension Router {
    /// The exchange name a path segment means ("amq.default" is the default exchange).
    static func exchangeName(_ segment: String) -> Bytes { segment == "amq.default" ? [] : Bytes(segment.utf8) }

    func exchangeJSON(_ e: Exchange) -> JSON {
        .object([
            ("arguments", FieldTableJSON.json(e.arguments)), ("auto_delete", .bool(e.autoDelete)),
            ("durable", .bool(e.durable)), ("internal", .bool(e.internal)), ("name", FieldTableJSON.text(e.name)),
            ("type", .string(e.kind.rawValue)), ("user_who_performed_action", .string("rmq-internal")),
            ("vhost", FieldTableJSON.text(e.vhost.name)),
        ])
    }

    func exchanges(vhost name: String?) -> HTTPResponse {
        let broker = frontEnd.amqp.broker
        var hosts: [VirtualHost]
        if let name {
            guard let v = vhost(name) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
            hosts = [v]
        } else {
            hosts = broker.vhosts.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        }
        let all = hosts.flatMap { v in v.exchanges.values.sorted { $0.name.lexicographicallyPrecedes($1.name) } }
        return list(all.map(exchangeJSON))
    }

    func exchange(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard let e = vh.exchange(named: Router.exchangeName(n)) else { return ManagementErrors.notFound }
        return ok(exchangeJSON(e))
    }

    func declareExchange(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard case .success(let body) = bodyJSON() else { return ManagementErrors.badRequest(ManagementErrors.notJSON) }
        let name = Router.exchangeName(n)
        let existed = vh.exchange(named: name) != nil
        let type = body["type"]?.stringValue ?? "direct"
        guard ExchangeKind(rawValue: type) != nil else {
            return ManagementErrors.badRequest("unknown exchange type '\(type)'")
        }
        do {
            try frontEnd.amqp.broker.declareExchange(
                in: vh, name: name, type: Bytes(type.utf8), durable: body["durable"]?.boolValue ?? false,
                autoDelete: body["auto_delete"]?.boolValue ?? false, internal: body["internal"]?.boolValue ?? false,
                arguments: FieldTableJSON.arguments(body["arguments"]))
        } catch { return ManagementErrors.broker(error) }
        return HTTPResponse(status: existed ? .noContent : .created)
    }

    func deleteExchange(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        let name = Router.exchangeName(n)
        guard let e = vh.exchange(named: name) else { return ManagementErrors.notFound }
        // RabbitMQ answers 401 "Access refused." for the predeclared exchanges.
        if e.isSystem {
            return ManagementErrors.json(.unauthorized, error: "not_authorised", reason: "Access refused.")
        }
        do {
            try frontEnd.amqp.broker.deleteExchange(in: vh, named: name, ifUnused: query["if-unused"] == "true")
        } catch { return ManagementErrors.broker(error) }
        return HTTPResponse(status: .noContent)
    }

    /// POST .../publish {"properties", "routing_key", "payload", "payload_encoding"}.
    func publish(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard case .success(let body) = bodyJSON() else { return ManagementErrors.badRequest(ManagementErrors.notJSON) }
        let name = Router.exchangeName(n)
        guard vh.exchange(named: name) != nil else { return ManagementErrors.notFound }
        guard let properties = FieldTableJSON.properties(body["properties"]) else {
            return ManagementErrors.badRequest("properties must be an object of basic properties")
        }
        let text = body["payload"]?.stringValue ?? ""
        var payload: Bytes
        switch body["payload_encoding"]?.stringValue ?? "string" {
        case "string": payload = Bytes(text.utf8)
        case "base64":
            guard let b = Base64.decode(text) else { return ManagementErrors.badRequest(ManagementErrors.badBase64) }
            payload = b
        default: return ManagementErrors.badRequest(ManagementErrors.badPayloadEncoding)
        }
        let routingKey = Bytes((body["routing_key"]?.stringValue ?? "").utf8)
        do {
            let routed = try frontEnd.amqp.publish(
                in: vh, exchange: name, routingKey: routingKey, properties: properties, body: payload)
            return ok(.object([("routed", .bool(routed))]))
        } catch { return ManagementErrors.broker(error) }
    }
}
