// What the management API reads from (and asks of) the AMQP side, in one narrow place: channel
// snapshots of a connection, a message's decoded properties, field tables as broker arguments,
// and a publish that behaves like basic.publish on a channel without confirms. Reads happen only
// when an HTTP request asks; nothing here runs on the AMQP hot path.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

/// One channel as the management API shows it.
package struct ChannelSnapshot {
    package let number: UInt16
    /// The broker's view: prefetch, consumers, unacked consumer deliveries.
    package let delivery: DeliveryChannel
    /// Delivered and fetched messages awaiting ack (basic.get ones included).
    package let unacknowledged: Int
    package let confirm: Bool
    package let transactional: Bool
    /// Publishes not yet confirmed (always 0: confirms are sent in the tick that routed them).
    package let unconfirmed: Int
}

extension ConnectionSession {
    /// The open channels, by number.
    package var channelSnapshots: [ChannelSnapshot] {
        channels.keys.sorted().compactMap { n -> ChannelSnapshot? in
            guard let s = channels[n], s.state == .open else { return nil }
            return ChannelSnapshot(
                number: n, delivery: s.delivery, unacknowledged: s.unacked.count, confirm: s.confirmSeq != nil,
                transactional: s.tx != nil, unconfirmed: 0)
        }
    }

    /// The connection's state as RabbitMQ names it ("running", "closing", "starting", ...).
    package var stateName: String {
        switch phase {
        case .running: return frontEnd.memoryAlarm.isBlocked || frontEnd.diskAlarm.isFailing ? "blocked" : "running"
        case .closing, .closed: return "closing"
        default: return "starting"
        }
    }
}

extension AMQPFrontEnd {
    /// Broker arguments from a field table (what a declare would carry).
    package static func arguments(from table: FieldTable) -> Arguments { Arguments(table) }

    /// The decoded basic properties of a stored message (nil if they do not decode).
    package static func properties(of message: Message) -> BasicProperties? { message.basicProperties }

    /// Publishes `body` with `properties` as a channel would (the expiration property is
    /// honoured, persistent messages on durable queues are journaled). Returns whether the
    /// message reached at least one queue.
    package func publish(
        in vhost: VirtualHost, exchange: Bytes, routingKey: Bytes, properties: BasicProperties, body: Bytes
    ) throws(BrokerError) -> Bool {
        let ttl = try ChannelSession.expirationMs(properties.expiration)
        var encoded = Bytes()
        properties.encode(into: &encoded)
        let message = encoded.withUnsafeBytes { pr in
            body.withUnsafeBytes { b in
                Message.make(
                    id: broker.allocateMessageID(), properties: pr, body: b, exchange: exchange, routingKey: routingKey,
                    persistent: properties.deliveryMode == 2, priority: properties.priority ?? 0, ttlMs: ttl)
            }
        }
        if message.persistent && diskAlarm.isFailing
            && broker.routesToJournaledQueue(in: vhost, exchange: exchange, message: message)
        {
            return false
        }
        if exchange.isEmpty && DirectReply.isReplyRoute(routingKey) {
            return directReply.deliver(message, to: routingKey)
        }
        let outcome = try broker.publish(in: vhost, exchange: exchange, message: message)
        return outcome.routedQueues > 0 && !outcome.rejected
    }
}
