// /api/bindings and the per-queue / per-exchange binding lists. The default exchange's implicit
// binding of every queue is listed, as RabbitMQ does. A binding is addressed by its
// "properties key": the percent-encoded routing key ("~" when empty), plus "~" and a hash of
// the arguments when there are any (RabbitMQ hashes with Erlang's phash2; ours is FNV-1a, so
// keys of bindings *with arguments* differ from RabbitMQ's, but each is stable and unique).
import LatchkeyBroker
import LatchkeyCore
import LatchkeyHTTP

extension Router {
    static func propertiesKey(_ routingKey: Bytes, _ arguments: Arguments) -> String {
        let rk = String(decoding: routingKey, as: UTF8.self)
        if arguments.isEmpty { return rk.isEmpty ? "~" : percentEncode(rk) }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in arguments.encoded { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return percentEncode(rk) + "~" + String(h, radix: 36)
    }

    func bindingJSON(
        source: Bytes, vhost: Bytes, destination: Bytes, toQueue: Bool, routingKey: Bytes, arguments: Arguments
    ) -> JSON {
        .object([
            ("source", FieldTableJSON.text(source)), ("vhost", FieldTableJSON.text(vhost)),
            ("destination", FieldTableJSON.text(destination)),
            ("destination_type", .string(toQueue ? "queue" : "exchange")),
            ("routing_key", FieldTableJSON.text(routingKey)), ("arguments", FieldTableJSON.json(arguments)),
            ("properties_key", .string(Router.propertiesKey(routingKey, arguments))),
        ])
    }

    func bindingJSON(_ b: Binding) -> JSON {
        var toQueue = true
        if case .exchange = b.destination { toQueue = false }
        return bindingJSON(
            source: b.source.name, vhost: b.source.vhost.name, destination: b.destination.name, toQueue: toQueue,
            routingKey: b.routingKey, arguments: b.arguments)
    }

    /// The default exchange's implicit binding of `q`.
    func defaultBindingJSON(_ q: Queue) -> JSON {
        bindingJSON(
            source: [], vhost: q.vhost.name, destination: q.name, toQueue: true, routingKey: q.name, arguments: .empty)
    }

    func allBindings(_ v: VirtualHost) -> [JSON] {
        var out = v.queues.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }.map(defaultBindingJSON)
        for e in v.exchanges.values.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            out += e.bindings.map(bindingJSON)
        }
        return out
    }

    func bindings(vhost name: String?) -> HTTPResponse {
        if let name {
            guard let v = vhost(name) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
            return list(allBindings(v))
        }
        let hosts = frontEnd.amqp.broker.vhosts.values.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        return list(hosts.flatMap(allBindings))
    }

    func queueBindings(_ v: String, _ n: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard let q = vh.queue(named: Bytes(n.utf8)) else { return ManagementErrors.notFound }
        var out = [defaultBindingJSON(q)]
        for e in vh.exchanges.values.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            for b in e.bindings { if case .queue(let d) = b.destination, d === q { out.append(bindingJSON(b)) } }
        }
        return list(out)
    }

    func exchangeBindings(_ v: String, _ n: String, asSource: Bool) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard let e = vh.exchange(named: Router.exchangeName(n)) else { return ManagementErrors.notFound }
        if asSource { return list(e.bindings.map(bindingJSON)) }
        var out: [JSON] = []
        for other in vh.exchanges.values.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            for b in other.bindings { if case .exchange(let d) = b.destination, d === e { out.append(bindingJSON(b)) } }
        }
        return list(out)
    }

    /// The bindings from `src` to `dst`, or nil when either end is missing.
    func matching(_ vh: VirtualHost, _ src: String, _ dst: String, toQueue: Bool) -> [Binding]? {
        guard let e = vh.exchange(named: Router.exchangeName(src)) else { return nil }
        let dname = toQueue ? Bytes(dst.utf8) : Router.exchangeName(dst)
        if toQueue {
            guard let q = vh.queue(named: dname) else { return nil }
            return e.bindings.filter { if case .queue(let d) = $0.destination { return d === q } else { return false } }
        }
        guard let d = vh.exchange(named: dname) else { return nil }
        return e.bindings.filter { if case .exchange(let x) = $0.destination { return x === d } else { return false } }
    }

    func bindingsBetween(_ v: String, _ src: String, _ dst: String, toQueue: Bool) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard let found = matching(vh, src, dst, toQueue: toQueue) else { return ManagementErrors.notFound }
        return list(found.map(bindingJSON))
    }

    /// POST {"routing_key", "arguments"}: 201 with a Location naming the new binding.
    func bind(_ v: String, _ src: String, _ dst: String, toQueue: Bool) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard case .success(let body) = bodyJSON() else { return ManagementErrors.badRequest(ManagementErrors.notJSON) }
        guard matching(vh, src, dst, toQueue: toQueue) != nil else { return ManagementErrors.notFound }
        let rk = Bytes((body["routing_key"]?.stringValue ?? "").utf8)
        let args = FieldTableJSON.arguments(body["arguments"])
        let broker = frontEnd.amqp.broker
        do {
            if toQueue {
                let owner = vh.queue(named: Bytes(dst.utf8))?.exclusiveOwner ?? 0
                try broker.bindQueue(
                    in: vh, queue: Bytes(dst.utf8), exchange: Router.exchangeName(src), routingKey: rk, arguments: args,
                    connection: owner)
            } else {
                try broker.bindExchange(
                    in: vh, destination: Router.exchangeName(dst), source: Router.exchangeName(src), routingKey: rk,
                    arguments: args)
            }
        } catch { return ManagementErrors.broker(error) }
        let location = Router.percentEncode(dst) + "/" + Router.percentEncode(Router.propertiesKey(rk, args))
        return HTTPResponse(status: .created, headers: [("location", location)])
    }

    func binding(_ v: String, _ src: String, _ dst: String, toQueue: Bool, propertiesKey: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard let found = matching(vh, src, dst, toQueue: toQueue),
            let b = found.first(where: { Router.propertiesKey($0.routingKey, $0.arguments) == propertiesKey })
        else { return ManagementErrors.notFound }
        return ok(bindingJSON(b))
    }

    func unbind(_ v: String, _ src: String, _ dst: String, toQueue: Bool, propertiesKey: String) -> HTTPResponse {
        guard let vh = vhost(v) else { return ManagementErrors.notFound(ManagementErrors.vhostNotFound) }
        guard let found = matching(vh, src, dst, toQueue: toQueue),
            let b = found.first(where: { Router.propertiesKey($0.routingKey, $0.arguments) == propertiesKey })
        else { return ManagementErrors.notFound }
        let broker = frontEnd.amqp.broker
        do {
            switch b.destination {
            case .queue(let q):
                try broker.unbindQueue(
                    in: vh, queue: q.name, exchange: b.source.name, routingKey: b.routingKey, arguments: b.arguments,
                    connection: q.exclusiveOwner ?? 0)
            case .exchange(let d):
                try broker.unbindExchange(
                    in: vh, destination: d.name, source: b.source.name, routingKey: b.routingKey, arguments: b.arguments
                )
            }
        } catch { return ManagementErrors.broker(error) }
        return HTTPResponse(status: .noContent)
    }
}
