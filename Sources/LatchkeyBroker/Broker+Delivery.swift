// Message flow: publish → route (exchange-to-exchange aware, each queue at most once) →
// enqueue (TTL, max-length overflow) → dispatch round-robin to consumers with capacity →
// settle (ack / reject / requeue to the original position). Expiry and max-length drops go to
// the dead-letter exchange when one is configured.
import LatchkeyCore

/// What a publish did, so the channel layer can send basic.return and confirms.
public struct PublishOutcome: Equatable, Sendable {
    /// Queues the message was enqueued in.
    public var routedQueues = 0
    /// A queue refused it (x-overflow reject-publish[-dlx]): confirm with basic.nack.
    public var rejected = false
    /// It went into at least one durable queue as a persistent message (journaled).
    public var persisted = false

    /// No queue matched (mandatory → basic.return 312 NO_ROUTE).
    public var unroutable: Bool { routedQueues == 0 && !rejected }

    public init() {}
}

extension Broker {
    /// basic.publish. `message` is built by the channel layer (id from `allocateMessageID`).
    public func publish(
        in vhost: VirtualHost, exchange name: Bytes, message: Message
    ) throws(BrokerError) -> PublishOutcome {
        let ex: Exchange
        if let last = lastExchange, last.vhost == ObjectIdentifier(vhost), last.exchange.name == name {
            ex = last.exchange
        } else {
            guard let found = vhost.exchanges[name] else { throw .noExchange(name, vhost.name) }
            lastExchange = (ObjectIdentifier(vhost), found)
            ex = found
        }
        if ex.internal { throw .internalExchange(name, vhost.name) }
        var outcome = PublishOutcome()
        if ex.name.isEmpty, let q = defaultRoute(in: vhost, message: message) {
            // The default exchange names at most one queue: no route list, no epoch. (Unroutable
            // messages take the general path below, which knows alternate exchanges.)
            if enqueue(message, into: q, now: clock.nowMs()) {
                outcome.routedQueues = 1
                outcome.persisted = message.persistent && q.isJournaled
            } else {
                outcome.rejected = true
            }
            drainDispatch()
            return outcome
        }
        route(from: ex, in: vhost, message: message)
        if routeTargets.isEmpty, case .string(let ae)? = ex.arguments["alternate-exchange"],
            let alt = vhost.exchanges[ae], alt !== ex
        {
            route(from: alt, in: vhost, message: message)  // unroutable here: try the alternate
        }
        if routeTargets.isEmpty { return outcome }
        let now = clock.nowMs()
        // Index loop over the scratch list (no copy); dead-lettering saves and restores it.
        var i = 0
        while i < routeTargets.count {
            let q = routeTargets[i]
            i += 1
            if enqueue(message, into: q, now: now) {
                outcome.routedQueues += 1
                if message.persistent && q.isJournaled { outcome.persisted = true }
            } else {
                outcome.rejected = true
            }
        }
        if !routeTargets.isEmpty { routeTargets.removeAll(keepingCapacity: true) }
        drainDispatch()
        return outcome
    }

    /// Fills `routeTargets` with the distinct queues `message` routes to from `ex`.
    func route(from ex: Exchange, in vhost: VirtualHost, message: Message) {
        if !routeTargets.isEmpty { routeTargets.removeAll(keepingCapacity: true) }  // usually empty: cheap check
        routeEpoch &+= 1
        if ex.name.isEmpty {
            if let q = defaultRoute(in: vhost, message: message) { routeTargets.append(q) }
            return
        }
        routeInto(ex, message, epoch: routeEpoch)
    }

    /// The queue the default exchange routes `message` to (named by its routing key, which then
    /// shares the queue name's storage), nil when there is none.
    @inline(__always) func defaultRoute(in vhost: VirtualHost, message: Message) -> Queue? {
        if let q = lastDirectQueue, q.vhost === vhost, q.name == message.routingKey {
            message.shareRoutingKey(q.name)
            return q
        }
        guard let q = vhost.queues[message.routingKey] else { return nil }
        message.shareRoutingKey(q.name)  // equal bytes, shared storage
        lastDirectQueue = q
        return q
    }

    private func routeInto(_ ex: Exchange, _ message: Message, epoch: UInt64) {
        ex.routeStamp = epoch
        ex.route(routingKey: message.routingKey, headers: { propertyCodec?.headers(of: message) ?? .empty }) { d in
            switch d {
            case .queue(let q):
                if q.routeStamp != epoch {
                    q.routeStamp = epoch
                    routeTargets.append(q)
                }
            case .exchange(let e): if e.routeStamp != epoch { routeInto(e, message, epoch: epoch) }
            }
        }
    }

    /// Puts `message` into `q`; false when x-overflow reject-publish refused it.
    func enqueue(_ message: Message, into q: Queue, now: Int64) -> Bool {
        let s = q.settings
        if s.overflow != .dropHead && q.wouldOverflow(with: message) {
            if s.overflow == .rejectPublishDLX { deadLetter(message, from: q, reason: .maxlen, now: now) }
            return false
        }
        let entry = q.makeEntry(message, nowMs: now)
        retain(message)
        if message.persistent && q.isJournaled && !replaying { journal?.messageEnqueued(message, queue: q) }
        if entry.expiresAtMs != .max { timedQueues[ObjectIdentifier(q)] = q }
        // Fast path: nothing waiting and a consumer has room — deliver without queueing (this is
        // also what makes a TTL of 0 mean "deliver now or drop").
        if q.ready.isEmpty, let c = q.nextConsumerWithCapacity(), c.channel.sink != nil {
            deliver(entry, from: q, to: c)
            return true
        }
        q.ready.append(entry)
        if s.overflow == .dropHead && q.isOverLimit {
            while q.isOverLimit, let head = q.ready.popFirst() {
                deadLetterOrDrop(head, from: q, reason: .maxlen, now: now)
            }
        }
        schedule(q)
        return true
    }

    /// Delivers ready messages of `q` round-robin to consumers with capacity.
    func dispatch(_ q: Queue) {
        if q.ready.isEmpty || q.consumers.isEmpty { return }
        let now = clock.nowMs()
        expireHeads(q, now: now)
        while !q.ready.isEmpty {
            guard let c = q.nextConsumerWithCapacity(), c.channel.sink != nil else { return }
            guard let e = q.ready.popFirst() else { return }
            deliver(e, from: q, to: c)
            expireHeads(q, now: now)
        }
    }

    private func deliver(_ e: QueueEntry, from q: Queue, to c: Consumer) {
        q.deliveredTotal &+= 1
        let ch = c.channel  // unowned: one strong load instead of one per use
        if !c.noAck {
            c.unacked += 1
            ch.unacked += 1
            trackUnacked(e, in: q)
        }
        ch.sink?.deliver(Delivery(queue: q, entry: e, consumer: c), to: c)
        if c.noAck { settleEntry(q, e.message) }
    }

    /// basic.get: the next ready message (nil = get-empty) and the count left after it. With
    /// `noAck` the message is settled at once; otherwise the caller keeps the delivery.
    public func get(from q: Queue, noAck: Bool) -> (delivery: Delivery, remaining: Int)? {
        let now = clock.nowMs()
        q.lastUsedMs = now
        expireHeads(q, now: now)
        guard let e = q.ready.popFirst() else { return nil }
        q.deliveredTotal &+= 1
        if noAck { settleEntry(q, e.message) } else { trackUnacked(e, in: q) }
        return (Delivery(queue: q, entry: e, consumer: nil), q.ready.count)
    }

    // MARK: settlement

    /// basic.ack of one or more deliveries.
    public func ack<C: Collection>(_ deliveries: C) where C.Element == Delivery {
        for d in deliveries {
            releaseCounts(d)
            settleEntry(d.queue, d.message)
        }
        drainDispatch()
    }

    /// basic.ack of one delivery.
    public func ack(_ d: Delivery) { ack(CollectionOfOne(d)) }

    /// basic.reject / basic.nack with requeue=false: discard or dead-letter (reason rejected).
    public func discard<C: Collection>(_ deliveries: C) where C.Element == Delivery {
        let now = clock.nowMs()
        for d in deliveries {
            releaseCounts(d)
            if d.queue.isDeleted {
                release(d.message)
            } else {
                deadLetterOrDrop(d.entry, from: d.queue, reason: .rejected, now: now)
            }
        }
        drainDispatch()
    }

    /// Requeue (reject/nack requeue=true, basic.recover, channel or connection close): each
    /// message goes back to its original position with redelivered set.
    public func requeue<C: Collection>(_ deliveries: C) where C.Element == Delivery {
        // Highest sequence first, so each insertion is a cheap prepend in the common case.
        let sorted = deliveries.sorted { $0.entry.seq > $1.entry.seq }
        for d in sorted {
            releaseCounts(d)
            let q = d.queue
            if q.isDeleted {
                release(d.message)
                continue
            }
            var e = d.entry
            e.redelivered = true
            q.ready.insertOrdered(e)
            schedule(q)
        }
        drainDispatch()
    }

    /// Undo the unacked counts of a delivery and schedule dispatch where capacity appeared.
    @inline(__always) func trackUnacked(_ e: QueueEntry, in q: Queue) {
        q.unackedCount += 1
        if e.message.persistent && q.isJournaled { q.persistentUnacked[e.seq] = e }
    }

    func releaseCounts(_ d: Delivery) {
        let q = d.queue
        if !q.isDeleted {
            q.unackedCount -= 1
            if d.message.persistent && q.isJournaled { q.persistentUnacked[d.entry.seq] = nil }
        }
        guard let c = d.consumer else { return }
        c.unacked -= 1
        let ch = c.channel
        ch.unacked -= 1
        if ch.prefetchCount > 0 {
            // An active consumer is in its channel's table, so a table of one is just `c`.
            if c.isActive && ch.consumers.count == 1 {
                schedule(c.queue)
            } else {
                for other in ch.consumers.values { schedule(other.queue) }
            }
        } else if c.isActive {
            schedule(c.queue)
        }
    }

    /// A message left `q` for good (acked, dropped, dead-lettered, purged).
    func settleEntry(_ q: Queue, _ m: Message) {
        if m.persistent && q.isJournaled && !q.isDeleted && !replaying { journal?.messageSettled(m, queue: q) }
        release(m)
    }

    // MARK: expiry and dead-lettering

    /// Drops (or dead-letters) expired messages at the head of `q`, as RabbitMQ does.
    func expireHeads(_ q: Queue, now: Int64) {
        while let e = q.ready.first, e.expiresAtMs <= now {
            _ = q.ready.popFirst()
            deadLetterOrDrop(e, from: q, reason: .expired, now: now)
        }
    }

    func deadLetterOrDrop(_ e: QueueEntry, from q: Queue, reason: DeathReason, now: Int64) {
        settleEntry(q, e.message)
        deadLetter(e.message, from: q, reason: reason, now: now)
    }

    /// Republishes `m` to q's dead-letter exchange (if configured and present) with x-death.
    func deadLetter(_ m: Message, from q: Queue, reason: DeathReason, now: Int64) {
        guard let dlxName = q.settings.deadLetterExchange, let dlx = q.vhost.exchanges[dlxName] else { return }
        let rk = q.settings.deadLetterRoutingKey ?? m.routingKey
        var content = m.content
        var propertiesCount = m.propertiesCount
        if let codec = propertyCodec {
            let death = DeathEvent(
                queue: q.name, reason: reason, timeMs: now, exchange: m.exchange, routingKeys: [m.routingKey])
            (content, propertiesCount) = codec.deadLettered(m, death: death)
        }
        let dead = Message.make(
            id: allocateMessageID(), content: content, propertiesCount: propertiesCount, exchange: dlxName,
            routingKey: rk, persistent: m.persistent, priority: m.priority, ttlMs: -1)
        // Dead-lettering may run inside another publish's routing: keep that one's targets.
        let saved = routeTargets
        route(from: dlx, in: q.vhost, message: dead)
        let targets = routeTargets
        routeTargets = saved
        for t in targets where !(t === q && reason != .rejected) {  // RabbitMQ drops pure cycles
            _ = enqueue(dead, into: t, now: now)
        }
    }
}
