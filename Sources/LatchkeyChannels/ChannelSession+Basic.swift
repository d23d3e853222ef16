// basic.*: publish (mandatory → basic.return 312 NO_ROUTE, immediate → 540, per-message
// expiration), get/get-ok/get-empty, ack/nack/reject with `multiple` and RabbitMQ's
// unknown-tag 406, qos (prefetch_size ≠ 0 → 540), consume/cancel, recover. Delivery itself is
// `deliver(_:to:)` in ChannelSession.swift, driven by the broker.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

extension ChannelSession {
    /// basic.publish(exchange, routing-key, mandatory, immediate) + content: `properties` as
    /// received (flags word + list; `summary` is their scan) and the body.
    func basicPublish(
        _ p: AMQPMethod.BasicPublish, properties: Bytes, _ summary: PropertySummary, body: UnsafeRawBufferPointer
    ) throws(BrokerError) {
        if p.immediate { throw .notImplemented("immediate=true") }
        // The message stores the properties as they arrived, unless they must change: a direct
        // reply-to address to fill in, or a value that re-encodes differently (the bytes stay
        // what decode + encode gives, as they always were).
        var stored = properties
        if !summary.canonical
            || (summary.replyTo.map { properties[$0].elementsEqual(DirectReply.pseudoQueue) } ?? false)
        {
            var props = ChannelSession.decodeScanned(properties)
            try rewriteReplyTo(&props)
            scratch.removeAll(keepingCapacity: true)
            props.encode(into: &scratch)
            stored = scratch
        }
        let ttl = try ChannelSession.expirationMs(summary.expiration.map { Bytes(properties[$0]) })
        // One allocation holds the properties followed by the body (what deliveries copy out).
        let id = broker.allocateMessageID()
        let message = stored.withUnsafeBytes { pr in
            Message.make(
                id: id, properties: pr, body: body, exchange: p.exchange, routingKey: p.routingKey,
                persistent: summary.deliveryMode == 2, priority: summary.priority ?? 0, ttlMs: ttl)
        }
        if tx != nil {
            _ = try broker.exchange(in: vhost, named: p.exchange)  // RabbitMQ checks the exchange at publish time
            tx!.publishes.append((p, message))
            return
        }
        try route(p, message)
        assembly.adoptRoutingKey(message.routingKey)
    }

    /// Properties that `BasicProperties.scan` accepted, decoded (the same checks, so it cannot fail).
    static func decodeScanned(_ bytes: Bytes) -> BasicProperties {
        bytes.withUnsafeBytes { raw in
            var r = WireReader(raw)
            return (try? BasicProperties.decode(&r)) ?? BasicProperties()
        }
    }

    /// Routes one message and answers for it (basic.return, confirm).
    func route(_ p: AMQPMethod.BasicPublish, _ message: Message) throws(BrokerError) {
        var outcome: PublishOutcome
        if message.persistent && diskAlarm.isFailing && refuseUnloggable(p, message) { return }
        if p.exchange.isEmpty && DirectReply.isReplyRoute(p.routingKey) {
            outcome = PublishOutcome()
            if connection.frontEnd.directReply.deliver(message, to: p.routingKey) { outcome.routedQueues = 1 }
        } else {
            outcome = try broker.publish(in: vhost, exchange: p.exchange, message: message)
        }
        if p.mandatory && outcome.unroutable {
            sendContent(
                .basicReturn(
                    .init(
                        replyCode: ReplyCode.noRoute.rawValue, replyText: Bytes(ReplyCode.noRoute.name.utf8),
                        exchange: p.exchange, routingKey: p.routingKey)), message)
        }
        // RabbitMQ confirms a persistent message on a durable queue only once it is on disk.
        if confirmSeq != nil {
            confirm(rejected: outcome.rejected, needsLog: outcome.persisted && connection.frontEnd.journal.isEnabled)
        }
        memoryAlarm.check()
        if memoryAlarm.isBlocked { memoryAlarm.check(publisher: connection) }  // checks again: cheap
    }

    /// While the log cannot be written: a persistent message bound for a durable queue is
    /// refused (basic.nack on a confirm channel; otherwise dropped, and the connection told
    /// connection.blocked). Returns true when it was refused.
    func refuseUnloggable(_ p: AMQPMethod.BasicPublish, _ message: Message) -> Bool {
        if p.exchange.isEmpty && DirectReply.isReplyRoute(p.routingKey) { return false }
        guard broker.routesToJournaledQueue(in: vhost, exchange: p.exchange, message: message) else { return false }
        if confirmSeq != nil {
            confirm(rejected: true)
        } else {
            connection.frontEnd.diskAlarm.refused(publisher: connection)
        }
        return true
    }

    /// The `expiration` property as milliseconds (-1 when absent), with RabbitMQ 3.10's 406
    /// texts. Parsed as Erlang's string:to_integer does (optional sign, then digits, any
    /// length), so no digit string can overflow: the value is only converted once it is known
    /// to be within 0...maxExpiry (checked numbers, issue 15).
    static func expirationMs(_ e: Bytes?) throws(BrokerError) -> Int64 {
        guard let e else { return -1 }
        let text = "invalid expiration '\(e.string)': "
        var i = 0
        let negative = e.first == 0x2D
        if e.first == 0x2D || e.first == 0x2B { i = 1 }
        let start = i
        while i < e.count, e[i] >= 0x30, e[i] <= 0x39 { i += 1 }
        if i == start { throw .preconditionFailed(text + "no_integer") }
        if i < e.count { throw .preconditionFailed(text + "{leftover_string,\"\(Bytes(e[i...]).string)\"}") }
        // The integer as Erlang prints it: no sign for positives, no leading zeros.
        var digits = Bytes(e[start..<i]).string
        while digits.count > 1 && digits.hasPrefix("0") { digits.removeFirst() }
        let isZero = digits == "0"
        if negative && !isZero { throw .preconditionFailed(text + "{value_negative,-\(digits)}") }
        let max = String(QueueSettings.maxExpiry)
        if digits.count > max.count || (digits.count == max.count && digits > max) {
            // RabbitMQ formats the reason with ~p, which breaks a term that would pass column 80.
            let column = text.utf8.count
            let term = "{value_too_large,\(digits)}"
            if column + term.utf8.count <= 80 { throw .preconditionFailed(text + term) }
            throw .preconditionFailed(
                text + "{value_too_large,\n" + String(repeating: " ", count: column + 1) + digits + "}")
        }
        return Int64(digits) ?? -1
    }

    /// basic.get(queue, no-ack) → get-ok(delivery-tag, redelivered, exchange, routing-key,
    /// message-count left) or get-empty. Not limited by prefetch.
    func basicGet(_ m: AMQPMethod.BasicGet) throws(BrokerError) {
        basicGet(from: try getQueue(try queueName(m.queue)), noAck: m.noAck)
    }

    /// basic.get on a queue already looked up.
    func basicGet(from q: Queue, noAck: Bool) {
        guard let (d, remaining) = broker.get(from: q, noAck: noAck) else {
            send(.basicGetEmpty(.init(clusterId: [])))
            return
        }
        let tag = nextDeliveryTag()
        if !noAck { unacked.append(tag: tag, d) }
        connection.sendGetOk(
            channel: number, deliveryTag: tag, redelivered: d.redelivered, messageCount: UInt32(clamping: remaining),
            d.message)
        if noAck { memoryAlarm.check() }
    }

    /// The queue basic.get names. A poller names the same queue every time, so the channel keeps
    /// the last one: comparing the name's bytes is far cheaper than hashing it for the vhost's
    /// dictionary. A deleted queue (even one re-declared under the same name) is never reused,
    /// and the exclusive-owner check is the broker's own; `broker.get` touches it for x-expires.
    func getQueue(_ name: Bytes) throws(BrokerError) -> Queue {
        if let q = lastGetQueue, q.name == name, isUsable(q) { return q }
        let q = try broker.queue(in: vhost, named: name, connection: connectionID)
        lastGetQueue = q
        return q
    }

    /// Whether the remembered basic.get queue may be used again without a lookup.
    @inline(__always) func isUsable(_ q: Queue) -> Bool {
        !q.isDeleted && (q.exclusiveOwner == nil || q.exclusiveOwner == connectionID)
    }

    /// Takes the deliveries an ack/nack/reject names out of the unacked list.
    func takeDeliveries(_ tag: UInt64, multiple: Bool) throws(BrokerError) -> [(UInt64, Delivery)] {
        if multiple {
            // RabbitMQ: tag 0 means everything; any other tag must itself be outstanding.
            if tag != 0 && !unacked.contains(tag: tag) { throw .preconditionFailed("unknown delivery tag \(tag)") }
            return unacked.removeUpTo(tag: tag)
        }
        guard let d = unacked.remove(tag: tag) else { throw .preconditionFailed("unknown delivery tag \(tag)") }
        return [(tag, d)]
    }

    /// basic.ack(delivery-tag, multiple); tag 0 with multiple acks everything outstanding.
    func basicAck(tag: UInt64, multiple: Bool) throws(BrokerError) {
        if !multiple && tx == nil {
            // The common case (one ack per message): no intermediate arrays.
            guard let d = unacked.remove(tag: tag) else { throw .preconditionFailed("unknown delivery tag \(tag)") }
            broker.ack(d)
            memoryAlarm.check()
            return
        }
        let ds = try takeDeliveries(tag, multiple: multiple)
        settle(ds, .ack)
    }

    /// basic.reject(delivery-tag, requeue)
    func basicReject(tag: UInt64, requeue: Bool) throws(BrokerError) {
        let ds = try takeDeliveries(tag, multiple: false)
        settle(ds, requeue ? .requeue : .discard)
    }

    /// basic.nack(delivery-tag, multiple, requeue)
    func basicNack(tag: UInt64, multiple: Bool, requeue: Bool) throws(BrokerError) {
        let ds = try takeDeliveries(tag, multiple: multiple)
        settle(ds, requeue ? .requeue : .discard)
    }

    /// Applies a settlement now, or buffers it in a transaction.
    func settle(_ ds: [(UInt64, Delivery)], _ how: Settlement) {
        if tx != nil {
            tx!.settlements.append((how, ds))
            return
        }
        let deliveries = ds.map(\.1)
        switch how {
        case .ack: broker.ack(deliveries)
        case .requeue: broker.requeue(deliveries)
        case .discard: broker.discard(deliveries)
        }
        connection.frontEnd.memoryAlarm.check()
    }

    /// basic.qos(prefetch-size, prefetch-count, global) with RabbitMQ's meaning of global.
    func basicQos(_ m: AMQPMethod.BasicQos) throws(BrokerError) {
        if m.prefetchSize != 0 { throw .notImplemented("prefetch_size!=0 (\(m.prefetchSize))") }
        broker.setQos(delivery, prefetchCount: UInt32(m.prefetchCount), global: m.global)
        send(.basicQosOk(.init()))
    }

    /// basic.consume(queue, consumer-tag, no-local, no-ack, exclusive, nowait, arguments)
    func basicConsume(_ m: AMQPMethod.BasicConsume) throws(BrokerError) {
        // The tag is checked before the queue, as RabbitMQ does.
        if !m.consumerTag.isEmpty && (m.consumerTag == directReplyTag || delivery.consumers[m.consumerTag] != nil) {
            throw .reusedConsumerTag(m.consumerTag)
        }
        if m.queue == DirectReply.pseudoQueue { return try consumeDirectReply(m) }
        let q = try broker.queue(in: vhost, named: try queueName(m.queue), connection: connection.id)
        let c = try broker.consume(
            q, tag: m.consumerTag, noAck: m.noAck, exclusive: m.exclusive, arguments: Arguments(m.arguments),
            channel: delivery)
        if !m.nowait { send(.basicConsumeOk(.init(consumerTag: c.tag))) }
        broker.startDelivery(c)  // after consume-ok, so deliveries follow it on the wire
    }

    /// basic.cancel(consumer-tag, nowait); an unknown tag is answered with cancel-ok too.
    func basicCancel(_ m: AMQPMethod.BasicCancel) {
        if !m.consumerTag.isEmpty && m.consumerTag == directReplyTag {
            connection.frontEnd.directReply.unregister(self)
        } else {
            broker.cancel(tag: m.consumerTag, on: delivery)
        }
        if !m.nowait { send(.basicCancelOk(.init(consumerTag: m.consumerTag))) }
    }

    /// basic.recover(requeue) / recover-async: requeue every unacked delivery of the channel.
    func basicRecover(requeue: Bool, reply: Bool) throws(BrokerError) {
        if !requeue { throw .notImplemented("requeue=false") }
        broker.requeue(unacked.removeAll().map(\.1))
        if reply { send(.basicRecoverOk(.init())) }
    }
}

/// What to do with settled deliveries.
enum Settlement { case ack, requeue, discard }
