// queue.declare / bind / unbind / purge / delete. An empty queue name means the channel's last
// declared queue (as in RabbitMQ); declare with an empty name gets an amq.gen- name. The
// broker owns the rules and texts (403 amq. prefix, 404 missing, 405 exclusive, 406 equivalence).
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

extension ChannelSession {
    /// queue.declare(queue, passive, durable, exclusive, auto-delete, nowait, arguments)
    func queueDeclare(_ m: AMQPMethod.QueueDeclare) throws(BrokerError) {
        if m.queue.starts(with: DirectReply.pseudoQueue) {
            // Declares of direct reply-to names are always passive (RabbitMQ).
            guard connection.frontEnd.directReply.exists(m.queue) else { throw .noQueue(m.queue, vhost.name) }
            if !m.nowait { send(.queueDeclareOk(.init(queue: m.queue, messageCount: 0, consumerCount: 1))) }
            return
        }
        let q: Queue
        if m.passive {
            q = try broker.queue(in: vhost, named: try queueName(m.queue), connection: connection.id)
        } else {
            // A durable queue that does not exist yet would need a log record (issue 16).
            if m.durable && !m.exclusive && vhost.queues[m.queue] == nil && connection.frontEnd.diskAlarm.isFailing
                && connection.frontEnd.journal.isEnabled
            {
                throw BrokerError.unloggable("queue", m.queue, vhost.name)
            }
            q = try broker.declareQueue(
                in: vhost, name: m.queue, durable: m.durable, exclusive: m.exclusive, autoDelete: m.autoDelete,
                arguments: Arguments(m.arguments), connection: connection.id)
        }
        lastQueueName = q.name
        if !m.nowait {
            send(
                .queueDeclareOk(
                    .init(
                        queue: q.name, messageCount: UInt32(clamping: q.messageCount),
                        consumerCount: UInt32(clamping: q.consumerCount))))
        }
    }

    /// The queue a bind/unbind names and its routing key: an empty queue name is the last
    /// declared queue, and then an empty routing key is that queue's name too.
    func bindingEnds(queue: Bytes, routingKey: Bytes) throws(BrokerError) -> (queue: Bytes, routingKey: Bytes) {
        let name = try queueName(queue)
        return (name, routingKey.isEmpty && queue.isEmpty ? name : routingKey)
    }

    /// queue.bind(queue, exchange, routing-key, nowait, arguments).
    func queueBind(_ m: AMQPMethod.QueueBind) throws(BrokerError) {
        let (name, rk) = try bindingEnds(queue: m.queue, routingKey: m.routingKey)
        try broker.bindQueue(
            in: vhost, queue: name, exchange: m.exchange, routingKey: rk, arguments: Arguments(m.arguments),
            connection: connection.id)
        if !m.nowait { send(.queueBindOk(.init())) }
    }

    /// queue.unbind(queue, exchange, routing-key, arguments)
    func queueUnbind(_ m: AMQPMethod.QueueUnbind) throws(BrokerError) {
        let (name, rk) = try bindingEnds(queue: m.queue, routingKey: m.routingKey)
        try broker.unbindQueue(
            in: vhost, queue: name, exchange: m.exchange, routingKey: rk, arguments: Arguments(m.arguments),
            connection: connection.id)
        send(.queueUnbindOk(.init()))
    }

    /// queue.purge(queue, nowait) → purge-ok(ready messages removed)
    func queuePurge(_ m: AMQPMethod.QueuePurge) throws(BrokerError) {
        let q = try broker.queue(in: vhost, named: try queueName(m.queue), connection: connection.id)
        let n = broker.purgeQueue(q)
        if !m.nowait { send(.queuePurgeOk(.init(messageCount: UInt32(clamping: n)))) }
    }

    /// queue.delete(queue, if-unused, if-empty, nowait) → delete-ok(message count). Deleting a
    /// missing queue succeeds with 0, as in RabbitMQ 3.
    func queueDelete(_ m: AMQPMethod.QueueDelete) throws(BrokerError) {
        let n = try broker.deleteQueue(
            in: vhost, named: try queueName(m.queue), ifUnused: m.ifUnused, ifEmpty: m.ifEmpty,
            connection: connection.id)
        if !m.nowait { send(.queueDeleteOk(.init(messageCount: UInt32(clamping: n)))) }
    }
}
