// /api/definitions: export (GET) and import (POST) of vhosts, queues, exchanges and bindings in
// RabbitMQ's format. Users and permissions come from the configuration (`amqp-user`), so the
// export lists users without password hashes and an import ignores its users, permissions,
// policies and parameters. Vhosts must already exist (`amqp-vhosts`); an unknown one is 400
// ["no_such_vhost", name], RabbitMQ's answer when a definition names a missing vhost.
import LatchkeyBroker
import LatchkeyCore
import LatchkeyHTTP

extension Router {
    func exportDefinitions() -> HTTPResponse {
        let broker = frontEnd.amqp.broker
        let hosts = broker.vhosts.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        let users = frontEnd.amqp.users.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var queues: [JSON] = []
        var exchanges: [JSON] = []
        var bindings: [JSON] = []
        for v in hosts {
            for q in v.queues.values.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) })
            where q.exclusiveOwner == nil {
                queues.append(
                    .object([
                        ("name", FieldTableJSON.text(q.name)), ("vhost", FieldTableJSON.text(v.name)),
                        ("durable", .bool(q.durable)), ("auto_delete", .bool(q.autoDelete)),
                        ("arguments", FieldTableJSON.json(q.arguments)),
                    ]))
            }
            for e in v.exchanges.values.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
                for b in e.bindings {
                    if case .queue(let q) = b.destination, q.exclusiveOwner != nil { continue }
                    var j = bindingJSON(b)
                    if case .object(let m) = j { j = .object(m.filter { $0.0 != "properties_key" }) }
                    bindings.append(j)
                }
                if e.isSystem { continue }
                exchanges.append(
                    .object([
                        ("name", FieldTableJSON.text(e.name)), ("vhost", FieldTableJSON.text(v.name)),
                        ("type", .string(e.kind.rawValue)), ("durable", .bool(e.durable)),
                        ("auto_delete", .bool(e.autoDelete)), ("internal", .bool(e.internal)),
                        ("arguments", FieldTableJSON.json(e.arguments)),
                    ]))
            }
        }
        let permissions = users.flatMap { u in
            hosts.map { v -> JSON in
                .object([
                    ("user", FieldTableJSON.text(u)), ("vhost", FieldTableJSON.text(v.name)),
                    ("configure", .string(".*")), ("write", .string(".*")), ("read", .string(".*")),
                ])
            }
        }
        return ok(
            .object([
                ("rabbit_version", .string(Router.emulatedVersion)),
                ("rabbitmq_version", .string(Router.emulatedVersion)), ("product_name", .string("Latchkey")),
                ("product_version", .string(frontEnd.context.latchkeyVersion)),
                (
                    "users",
                    .array(
                        users.map { u in
                            .object([
                                ("name", FieldTableJSON.text(u)), ("tags", .array([.string("administrator")])),
                                ("limits", .object([])),
                            ])
                        })
                ), ("vhosts", .array(hosts.map { .object([("name", FieldTableJSON.text($0.name))]) })),
                ("permissions", .array(permissions)), ("topic_permissions", .array([])), ("parameters", .array([])),
                ("global_parameters", .array([])), ("policies", .array([])), ("queues", .array(queues)),
                ("exchanges", .array(exchanges)), ("bindings", .array(bindings)),
            ]))
    }

    /// Declares the definitions' exchanges, then queues, then bindings (so bindings find both
    /// ends). 204 on success; the first failure is answered with its 400 and stops the import.
    func importDefinitions() -> HTTPResponse {
        guard case .success(let body) = bodyJSON() else { return ManagementErrors.badRequest(ManagementErrors.notJSON) }
        let broker = frontEnd.amqp.broker
        func host(_ item: JSON) -> Result<VirtualHost, HTTPResponseBox> {
            let name = item["vhost"]?.stringValue ?? "/"
            guard let v = vhost(name) else {
                let reason = JSON.array([.string("no_such_vhost"), .string(name)])
                let body = JSON.object([("error", .string("bad_request")), ("reason", reason)])
                return .failure(
                    HTTPResponseBox(
                        HTTPResponse(status: .badRequest, contentType: "application/json", body: body.encoded)))
            }
            return .success(v)
        }
        do {
            for e in body["exchanges"]?.arrayValue ?? [] {
                let v = try host(e).get()
                try broker.declareExchange(
                    in: v, name: Bytes((e["name"]?.stringValue ?? "").utf8),
                    type: Bytes((e["type"]?.stringValue ?? "direct").utf8), durable: e["durable"]?.boolValue ?? true,
                    autoDelete: e["auto_delete"]?.boolValue ?? false, internal: e["internal"]?.boolValue ?? false,
                    arguments: FieldTableJSON.arguments(e["arguments"]))
            }
            for q in body["queues"]?.arrayValue ?? [] {
                let v = try host(q).get()
                _ = try broker.declareQueue(
                    in: v, name: Bytes((q["name"]?.stringValue ?? "").utf8), durable: q["durable"]?.boolValue ?? true,
                    exclusive: false, autoDelete: q["auto_delete"]?.boolValue ?? false,
                    arguments: FieldTableJSON.arguments(q["arguments"]), connection: 0)
            }
            for b in body["bindings"]?.arrayValue ?? [] {
                let v = try host(b).get()
                let src = Bytes((b["source"]?.stringValue ?? "").utf8)
                let dst = Bytes((b["destination"]?.stringValue ?? "").utf8)
                if src.isEmpty { continue }  // the default exchange's implicit bindings
                let rk = Bytes((b["routing_key"]?.stringValue ?? "").utf8)
                let args = FieldTableJSON.arguments(b["arguments"])
                if b["destination_type"]?.stringValue == "exchange" {
                    try broker.bindExchange(in: v, destination: dst, source: src, routingKey: rk, arguments: args)
                } else {
                    try broker.bindQueue(
                        in: v, queue: dst, exchange: src, routingKey: rk, arguments: args, connection: 0)
                }
            }
        } catch let e as HTTPResponseBox { return e.response } catch let e as BrokerError {
            return ManagementErrors.broker(e)
        } catch { return ManagementErrors.badRequest("\(error)") }
        return HTTPResponse(status: .noContent)
    }
}

/// An early answer thrown out of an import loop.
struct HTTPResponseBox: Error {
    let response: HTTPResponse
    init(_ response: HTTPResponse) { self.response = response }
}
