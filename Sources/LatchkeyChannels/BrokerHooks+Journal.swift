// The adapter from the broker's BrokerJournal events to LatchkeyLog records (durable things
// only; the broker decides what is durable). Replay of those records is Replay+Broker.swift.
import LatchkeyBroker
import LatchkeyCore
import LatchkeyLog

extension BrokerHooks: BrokerJournal {
    package func queueDeclared(_ q: Queue) {
        journal.append(
            .queueDeclared(vhost: q.vhost.name, name: q.name, autoDelete: q.autoDelete, arguments: q.arguments.encoded))
    }
    package func queueDeleted(_ q: Queue) { journal.append(.queueDeleted(vhost: q.vhost.name, name: q.name)) }
    package func exchangeDeclared(_ e: Exchange) {
        journal.append(
            .exchangeDeclared(
                vhost: e.vhost.name, name: e.name, type: Bytes(e.kind.rawValue.utf8), autoDelete: e.autoDelete,
                internal: e.internal, arguments: e.arguments.encoded))
    }
    package func exchangeDeleted(_ e: Exchange) { journal.append(.exchangeDeleted(vhost: e.vhost.name, name: e.name)) }
    package func bound(_ b: Binding) { journal.append(BrokerHooks.record(b, bind: true)) }
    package func unbound(_ b: Binding) { journal.append(BrokerHooks.record(b, bind: false)) }
    package func messageEnqueued(_ m: Message, queue q: Queue) {
        journal.append(
            .messageEnqueued(
                vhost: q.vhost.name, queue: q.name, id: m.id, exchange: m.exchange, routingKey: m.routingKey,
                content: m.content))
    }
    package func messageSettled(_ m: Message, queue q: Queue) {
        journal.append(.messageSettled(vhost: q.vhost.name, queue: q.name, id: m.id))
    }

    static func record(_ b: Binding, bind: Bool) -> LogRecord {
        var toExchange = false
        if case .exchange = b.destination { toExchange = true }
        let v = b.source.vhost.name
        return bind
            ? .bound(
                vhost: v, exchange: b.source.name, destination: b.destination.name, toExchange: toExchange,
                routingKey: b.routingKey, arguments: b.arguments.encoded)
            : .unbound(
                vhost: v, exchange: b.source.name, destination: b.destination.name, toExchange: toExchange,
                routingKey: b.routingKey, arguments: b.arguments.encoded)
    }
}
