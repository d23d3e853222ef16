// Consumers: basic.consume (tag reuse → 530, exclusive conflicts → 403), basic.cancel with
// auto-delete, basic.qos with RabbitMQ's meaning of `global`, and channel close (cancel its
// consumers, requeue its unacked deliveries in their original order).
import LatchkeyCore

extension Broker {
    /// basic.consume on `q` (already looked up with `queue(in:named:connection:)`). An empty
    /// `tag` gets a server-generated `amq.ctag-…` tag. Returns the consumer (its `tag` goes in
    /// consume-ok); the caller sends consume-ok *before* calling `startDelivery`.
    public func consume(
        _ q: Queue, tag: Bytes, noAck: Bool, exclusive: Bool, arguments: Arguments, channel: DeliveryChannel
    ) throws(BrokerError) -> Consumer {
        var t = tag
        if t.isEmpty {
            repeat { t = generateConsumerTag() } while channel.consumers[t] != nil
        } else if channel.consumers[t] != nil {
            throw .reusedConsumerTag(t)
        }
        guard q.accessible(by: channel.connectionID) else { throw .locked(q.name, q.vhost.name) }
        if q.hasExclusiveConsumer || (exclusive && !q.consumers.isEmpty) { throw .exclusiveUse(q.name, q.vhost.name) }
        let c = Consumer(tag: t, queue: q, channel: channel, noAck: noAck, exclusive: exclusive, arguments: arguments)
        q.consumers.append(c)
        q.hadConsumer = true
        q.lastUsedMs = clock.nowMs()
        channel.consumers[t] = c
        return c
    }

    /// Starts deliveries to a new consumer (after consume-ok went out, so basic.deliver follows it).
    public func startDelivery(_ c: Consumer) {
        schedule(c.queue)
        drainDispatch()
    }

    /// basic.cancel by tag; false when the channel has no such consumer (cancel-ok anyway).
    @discardableResult public func cancel(tag: Bytes, on channel: DeliveryChannel) -> Bool {
        guard let c = channel.consumers[tag] else { return false }
        cancel(c)
        drainDispatch()
        return true
    }

    /// Removes a consumer; an auto-delete queue goes with its last consumer.
    func cancel(_ c: Consumer) {
        guard c.isActive else { return }
        c.isActive = false
        c.channel.consumers[c.tag] = nil
        let q = c.queue
        q.consumers.removeAll { $0 === c }
        if q.roundRobin >= q.consumers.count { q.roundRobin = 0 }
        q.lastUsedMs = clock.nowMs()
        if q.autoDelete && q.hadConsumer && q.consumers.isEmpty {
            removeQueue(q)
        } else if q.settings.singleActiveConsumer {
            schedule(q)  // the next consumer becomes active
        }
    }

    /// basic.qos. global=true sets the channel-wide limit (applies at once); global=false sets
    /// the limit consumers created afterwards get (RabbitMQ 3 semantics).
    public func setQos(_ channel: DeliveryChannel, prefetchCount: UInt32, global: Bool) {
        if global {
            channel.prefetchCount = prefetchCount
            resume(channel)
        } else {
            channel.consumerPrefetch = prefetchCount
        }
    }

    /// channel.close (or connection loss): cancel the channel's consumers, then requeue its
    /// unacked deliveries (`unacked` in any order; original queue positions are restored).
    public func channelClosed<C: Collection>(_ channel: DeliveryChannel, unacked: C) where C.Element == Delivery {
        channel.paused = true
        for c in Array(channel.consumers.values) { cancel(c) }
        requeue(unacked)
    }
}
