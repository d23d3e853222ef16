// Rebuilding durable state at boot from the journal, without going through the wire and
// without journaling again: declare durable queues/exchanges/bindings, enqueue persistent
// messages by id, settle ids, then `finishReplay` restores each queue's FIFO order.
// (Decoding records and field tables is the channel layer's Replay+Broker.)
import LatchkeyCore

extension Broker {
    /// Starts a replay: journaling is suppressed until `finishReplay`.
    public func beginReplay() {
        replaying = true
        replayMessages = [:]
    }

    /// A durable queue declaration from the log.
    public func replayDeclareQueue(
        vhost: Bytes, name: Bytes, autoDelete: Bool, arguments: Arguments
    ) throws(BrokerError) {
        let v = addVirtualHost(vhost)
        if let old = v.queues[name] { removeQueue(old) }  // a later declare replaces (arguments may differ)
        _ = try declareQueue(
            in: v, name: name, durable: true, exclusive: false, autoDelete: autoDelete, arguments: arguments,
            connection: 0)
    }

    /// A durable queue deletion from the log.
    public func replayDeleteQueue(vhost: Bytes, name: Bytes) {
        guard let v = vhosts[vhost], let q = v.queues[name] else { return }
        replayMessages[ObjectIdentifier(q)] = nil
        removeQueue(q)
    }

    /// A purge from the log: the queue's replayed messages so far are dropped.
    public func replayPurgeQueue(vhost: Bytes, name: Bytes) {
        guard let v = vhosts[vhost], let q = v.queues[name] else { return }
        replayMessages[ObjectIdentifier(q)] = nil
    }

    /// A durable exchange declaration from the log (existing ones are kept).
    public func replayDeclareExchange(
        vhost: Bytes, name: Bytes, type: Bytes, autoDelete: Bool, internal: Bool, arguments: Arguments
    ) throws(BrokerError) {
        let v = addVirtualHost(vhost)
        if v.exchanges[name] != nil { return }
        try declareExchange(
            in: v, name: name, type: type, durable: true, autoDelete: autoDelete, internal: `internal`,
            arguments: arguments)
    }

    /// A durable exchange deletion from the log.
    public func replayDeleteExchange(vhost: Bytes, name: Bytes) {
        guard let v = vhosts[vhost], let ex = v.exchanges[name], !ex.isSystem else { return }
        removeExchange(ex, in: v)
    }

    /// A binding (or, with `bind` false, an unbinding) from the log. Missing ends are skipped.
    public func replayBinding(
        vhost: Bytes, exchange: Bytes, destination: Bytes, toExchange: Bool, routingKey: Bytes, arguments: Arguments,
        bind: Bool
    ) {
        guard let v = vhosts[vhost] else { return }
        if toExchange {
            if bind {
                try? bindExchange(
                    in: v, destination: destination, source: exchange, routingKey: routingKey, arguments: arguments)
            } else {
                try? unbindExchange(
                    in: v, destination: destination, source: exchange, routingKey: routingKey, arguments: arguments)
            }
        } else if bind {
            try? bindQueue(
                in: v, queue: destination, exchange: exchange, routingKey: routingKey, arguments: arguments,
                connection: 0)
        } else {
            try? unbindQueue(
                in: v, queue: destination, exchange: exchange, routingKey: routingKey, arguments: arguments,
                connection: 0)
        }
    }

    /// A persistent message enqueued on a durable queue (built by the channel layer's replay from
    /// the record, with the record's id).
    public func replayEnqueue(vhost: Bytes, queue: Bytes, message: Message) {
        if message.id >= nextMessageID { nextMessageID = message.id + 1 }
        guard let v = vhosts[vhost], let q = v.queues[queue] else { return }
        replayMessages[ObjectIdentifier(q), default: [:]][message.id] = message
    }

    /// The message `id` left `queue` (acked, dropped, expired).
    public func replaySettle(vhost: Bytes, queue: Bytes, id: UInt64) {
        guard let v = vhosts[vhost], let q = v.queues[queue] else { return }
        replayMessages[ObjectIdentifier(q)]?[id] = nil
    }

    /// Ends the replay: surviving messages go into their queues in id (= publish) order. TTLs
    /// restart from now (the log records no enqueue time).
    public func finishReplay() {
        let now = clock.nowMs()
        for v in vhosts.values {
            for q in v.queues.values {
                guard let msgs = replayMessages[ObjectIdentifier(q)] else { continue }
                for m in msgs.values.sorted(by: { $0.id < $1.id }) {
                    let e = q.makeEntry(m, nowMs: now)
                    retain(m)
                    q.ready.append(e)
                    if e.expiresAtMs != .max { timedQueues[ObjectIdentifier(q)] = q }
                }
            }
        }
        replayMessages = [:]
        replaying = false
    }
}

extension Broker {
    /// Walks the durable state in an order replay accepts (log rewrite): durable exchanges,
    /// journaled queues, bindings between durable ends, then each journaled queue's persistent
    /// messages — ready and unacked — in their original order.
    public func forEachDurable(
        exchange: (Exchange) -> Void, queue: (Queue) -> Void, binding: (Binding) -> Void,
        message: (Queue, Message) -> Void
    ) {
        for v in vhosts.values {
            for e in v.exchanges.values where e.durable && !e.isSystem { exchange(e) }
            for q in v.queues.values where q.isJournaled { queue(q) }
            for e in v.exchanges.values where e.durable {
                for b in e.bindings where b.destination.isDurable { binding(b) }
            }
            for q in v.queues.values where q.isJournaled {
                var entries = q.ready.allEntries().filter { $0.message.persistent }
                entries.append(contentsOf: q.persistentUnacked.values)
                entries.sort { $0.seq < $1.seq }
                for e in entries { message(q, e.message) }
            }
        }
    }
}
