// Exchange and binding operations with RabbitMQ's rules: type checked first (unknown → 503),
// the default exchange untouchable, `amq.` names reserved for new exchanges, redeclare
// equivalence, if-unused deletion, auto-delete when the last binding goes, and queue- or
// exchange-destination bindings (exchange.bind).
import LatchkeyCore

extension Broker {
    /// exchange.declare (not passive). `type` is the declare's type field as sent.
    @discardableResult public func declareExchange(
        in vhost: VirtualHost, name: Bytes, type: Bytes, durable: Bool, autoDelete: Bool, internal: Bool,
        arguments: Arguments
    ) throws(BrokerError) -> Exchange {
        guard let kind = ExchangeKind(bytes: type) else { throw .unknownExchangeType(type) }
        if name.isEmpty { throw .defaultExchange }
        if let ex = vhost.exchanges[name] {
            func check(_ arg: String, _ r: String, _ c: String) throws(BrokerError) {
                if r != c {
                    throw .inequivalent(arg, "exchange", name, vhost.name, received: "'\(r)'", current: "'\(c)'")
                }
            }
            try check("type", kind.rawValue, ex.kind.rawValue)
            try check("durable", "\(durable)", "\(ex.durable)")
            try check("auto_delete", "\(autoDelete)", "\(ex.autoDelete)")
            try check("internal", "\(`internal`)", "\(ex.internal)")
            let r = arguments["alternate-exchange"]
            let c = ex.arguments["alternate-exchange"]
            if (r == nil) != (c == nil) || (r != nil && !r!.sameValue(c!)) {
                throw .inequivalent(
                    "alternate-exchange", "exchange", name, vhost.name, received: QueueSettings.describe(r),
                    current: QueueSettings.describe(c))
            }
            return ex
        }
        if Broker.hasAmqPrefix(name) { throw .reservedName("exchange", name) }
        let ex = Exchange(
            name: name, vhost: vhost, kind: kind, durable: durable, autoDelete: autoDelete, internal: `internal`,
            arguments: arguments)
        vhost.exchanges[name] = ex
        if durable && !replaying { journal?.exchangeDeclared(ex) }
        return ex
    }

    /// exchange.declare passive, and lookups: 404 when missing.
    public func exchange(in vhost: VirtualHost, named name: Bytes) throws(BrokerError) -> Exchange {
        guard let ex = vhost.exchanges[name] else { throw .noExchange(name, vhost.name) }
        return ex
    }

    /// exchange.delete. Deleting a missing exchange succeeds (RabbitMQ 3).
    public func deleteExchange(in vhost: VirtualHost, named name: Bytes, ifUnused: Bool) throws(BrokerError) {
        if name.isEmpty { throw .defaultExchange }
        guard let ex = vhost.exchanges[name] else { return }
        if ex.isSystem { throw .systemExchange(name, vhost.name) }
        if ifUnused && !ex.bindings.isEmpty { throw .inUse("exchange", name, vhost.name) }
        removeExchange(ex, in: vhost)
        drainDispatch()
    }

    func removeExchange(_ ex: Exchange, in vhost: VirtualHost) {
        guard vhost.exchanges[ex.name] === ex else { return }
        vhost.exchanges[ex.name] = nil
        if lastExchange?.exchange === ex { lastExchange = nil }
        if ex.durable && !replaying { journal?.exchangeDeleted(ex) }
        let dest = Destination.exchange(ex)
        for other in Array(vhost.exchanges.values) where !other.bindings.isEmpty {
            if !other.removeBindings(to: dest).isEmpty { autoDeleteIfUnused(other) }
        }
    }

    /// Auto-delete exchanges go when their last binding (as source) is removed.
    func autoDeleteIfUnused(_ ex: Exchange) {
        if ex.autoDelete && ex.hadBinding && ex.bindings.isEmpty && !ex.isSystem { removeExchange(ex, in: ex.vhost) }
    }

    /// queue.bind.
    public func bindQueue(
        in vhost: VirtualHost, queue: Bytes, exchange: Bytes, routingKey: Bytes, arguments: Arguments,
        connection: UInt64
    ) throws(BrokerError) {
        let (src, q) = try bindingEnds(vhost, exchange, queue, connection)
        addBinding(src, .queue(q), routingKey, arguments)
    }

    /// queue.unbind. Removing a binding that does not exist succeeds.
    public func unbindQueue(
        in vhost: VirtualHost, queue: Bytes, exchange: Bytes, routingKey: Bytes, arguments: Arguments,
        connection: UInt64
    ) throws(BrokerError) {
        // RabbitMQ 3.10 answers unbind-ok when the exchange, the queue or the binding is missing
        // (aio-pika unbinds from auto-deleted exchanges on close), and even for another
        // connection's exclusive queue; only the default exchange is refused.
        if exchange.isEmpty { throw .defaultExchange }
        guard let src = vhost.exchanges[exchange], let q = vhost.queues[queue] else { return }
        removeBinding(src, .queue(q), routingKey, arguments)
    }

    /// exchange.bind: messages reaching `source` are routed on through `destination`.
    public func bindExchange(
        in vhost: VirtualHost, destination: Bytes, source: Bytes, routingKey: Bytes, arguments: Arguments
    ) throws(BrokerError) {
        let (src, dst) = try exchangeEnds(vhost, source, destination)
        addBinding(src, .exchange(dst), routingKey, arguments)
    }

    /// exchange.unbind.
    public func unbindExchange(
        in vhost: VirtualHost, destination: Bytes, source: Bytes, routingKey: Bytes, arguments: Arguments
    ) throws(BrokerError) {
        // As queue.unbind: a missing source, destination or binding is success in RabbitMQ 3.10.
        if source.isEmpty || destination.isEmpty { throw .defaultExchange }
        guard let src = vhost.exchanges[source], let dst = vhost.exchanges[destination] else { return }
        removeBinding(src, .exchange(dst), routingKey, arguments)
    }

    private func bindingEnds(
        _ vhost: VirtualHost, _ exchange: Bytes, _ queue: Bytes, _ connection: UInt64
    ) throws(BrokerError) -> (Exchange, Queue) {
        if exchange.isEmpty { throw .defaultExchange }
        guard let src = vhost.exchanges[exchange] else { throw .noExchange(exchange, vhost.name) }
        let q = try self.queue(in: vhost, named: queue, connection: connection)
        return (src, q)
    }

    private func exchangeEnds(
        _ vhost: VirtualHost, _ source: Bytes, _ destination: Bytes
    ) throws(BrokerError) -> (Exchange, Exchange) {
        if source.isEmpty || destination.isEmpty { throw .defaultExchange }
        guard let src = vhost.exchanges[source] else { throw .noExchange(source, vhost.name) }
        guard let dst = vhost.exchanges[destination] else { throw .noExchange(destination, vhost.name) }
        return (src, dst)
    }

    private func addBinding(_ src: Exchange, _ d: Destination, _ rk: Bytes, _ args: Arguments) {
        guard src.addBinding(d, routingKey: rk, arguments: args) else { return }
        if src.durable && d.isDurable && !replaying, let b = src.bindings.last { journal?.bound(b) }
    }

    private func removeBinding(_ src: Exchange, _ d: Destination, _ rk: Bytes, _ args: Arguments) {
        guard let i = src.indexOf(d, rk, args) else { return }
        let b = src.bindings[i]
        _ = src.removeBinding(d, routingKey: rk, arguments: args)
        if src.durable && d.isDurable && !replaying { journal?.unbound(b) }
        autoDeleteIfUnused(src)
        drainDispatch()
    }
}
