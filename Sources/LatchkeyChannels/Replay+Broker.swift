// Boot-time replay of the broker's log records (LatchkeyLog) into the frame-free broker:
// decodes the journaled argument tables and message property blocks, then calls the broker's
// replay entry points. Never goes through the wire; nothing is journaled again.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import LatchkeyLog

/// Applies broker records; the server calls `begin`, `apply` for every record, then `finish`.
package enum BrokerReplay {
    /// Before the first record: journaling is suppressed.
    package static func begin(_ broker: Broker) { broker.beginReplay() }

    /// After the last record: surviving messages go into their queues in order.
    package static func finish(_ broker: Broker) { broker.finishReplay() }

    /// Applies one record; keyspace records are ignored. Returns false for a record that could
    /// not be applied (undecodable content or arguments the broker now refuses).
    @discardableResult package static func apply(_ record: LogRecord, to broker: Broker) -> Bool {
        switch record {
        case .queueDeclared(let v, let name, let autoDelete, let args):
            do throws(BrokerError) {
                try broker.replayDeclareQueue(
                    vhost: v, name: name, autoDelete: autoDelete, arguments: Arguments.fromEncoded(args))
            } catch { return false }
        case .queueDeleted(let v, let name): broker.replayDeleteQueue(vhost: v, name: name)
        case .queuePurged(let v, let name):
            // Record type 18 stays readable (and reserved), though nothing writes it: purges
            // journal one messageSettled per persistent message.
            broker.replayPurgeQueue(vhost: v, name: name)
        case .exchangeDeclared(let v, let name, let type, let autoDelete, let `internal`, let args):
            do throws(BrokerError) {
                try broker.replayDeclareExchange(
                    vhost: v, name: name, type: type, autoDelete: autoDelete, internal: `internal`,
                    arguments: Arguments.fromEncoded(args))
            } catch { return false }
        case .exchangeDeleted(let v, let name): broker.replayDeleteExchange(vhost: v, name: name)
        case .bound(let v, let ex, let dest, let toEx, let rk, let args):
            broker.replayBinding(
                vhost: v, exchange: ex, destination: dest, toExchange: toEx, routingKey: rk,
                arguments: Arguments.fromEncoded(args), bind: true)
        case .unbound(let v, let ex, let dest, let toEx, let rk, let args):
            broker.replayBinding(
                vhost: v, exchange: ex, destination: dest, toExchange: toEx, routingKey: rk,
                arguments: Arguments.fromEncoded(args), bind: false)
        case .messageEnqueued(let v, let queue, let id, let exchange, let rk, let content):
            guard let m = message(id: id, exchange: exchange, routingKey: rk, content: content) else { return false }
            broker.replayEnqueue(vhost: v, queue: queue, message: m)
        case .messageSettled(let v, let queue, let id): broker.replaySettle(vhost: v, queue: queue, id: id)
        case .set, .delete, .expireAt, .persist, .flushDB, .flushAll, .listPush, .listPop, .listSet, .listInsert,
            .listRemove, .listTrim, .hashSet, .hashDelete, .rename:
            break
        }
        return true
    }

    /// Appends the framed records that rebuild the broker's durable state (log rewrite /
    /// compaction) to `out`. The journal adapter frames each record once, as it does for live
    /// effects; the bytes are copied out as they are, never decoded and re-encoded.
    package static func writeSnapshot(_ broker: Broker, into out: inout [UInt8]) {
        let hooks = BrokerHooks(journal: Journal(enabled: true))
        broker.forEachDurable(
            exchange: { hooks.exchangeDeclared($0) }, queue: { hooks.queueDeclared($0) }, binding: { hooks.bound($0) },
            message: { hooks.messageEnqueued($1, queue: $0) })
        hooks.journal.takeBytes { out.append(contentsOf: $0) }
    }

    /// Rebuilds a Message from journaled content (encoded properties followed by the body).
    static func message(id: UInt64, exchange: Bytes, routingKey: Bytes, content: Bytes) -> Message? {
        let decoded: (BasicProperties, Int)? = content.withUnsafeBytes { raw in
            var r = WireReader(raw)
            guard let p = try? BasicProperties.decode(&r) else { return nil }
            return (p, r.position)
        }
        guard let (props, count) = decoded else { return nil }
        let ttl = (try? ChannelSession.expirationMs(props.expiration)) ?? -1
        return Message.make(
            id: id, content: content, propertiesCount: count, exchange: exchange, routingKey: routingKey,
            persistent: props.deliveryMode == 2, priority: props.priority ?? 0, ttlMs: ttl)
    }
}
