// Queue lifecycle: declare (with RabbitMQ's name rules, exclusive-access and equivalence
// checks), passive lookup, delete (if-unused/if-empty; missing = success), purge, exclusive
// queues dying with their connection, auto-delete and x-expires. Messages and delivery are in
// Broker+Delivery.swift.
import LatchkeyCore

extension Broker {
    static let amqPrefix: Bytes = Array("amq.".utf8)

    static func hasAmqPrefix(_ name: Bytes) -> Bool {
        name.count >= 4 && name[0] == 0x61 && name[1] == 0x6D && name[2] == 0x71 && name[3] == 0x2E
    }

    /// queue.declare (not passive). An empty `name` gets a server-generated `amq.gen-…` name.
    /// Returns the queue (new or existing, after the equivalence checks).
    public func declareQueue(
        in vhost: VirtualHost, name: Bytes, durable: Bool, exclusive: Bool, autoDelete: Bool, arguments: Arguments,
        connection: UInt64
    ) throws(BrokerError) -> Queue {
        let now = clock.nowMs()
        let durable = durable && !exclusive  // RabbitMQ: exclusive queues are never durable
        var qname = name
        if qname.isEmpty {
            repeat { qname = generateQueueName() } while vhost.queues[qname] != nil
        } else if Broker.hasAmqPrefix(qname) && !replaying {  // a durable amq.gen- queue comes back at boot
            throw .reservedName("queue", qname)
        }
        if let q = vhost.queues[qname] {
            // RabbitMQ's strict exclusive check: the owner and the flag must both match.
            if !q.accessible(by: connection) || (q.exclusiveOwner != nil) != exclusive {
                throw .locked(qname, vhost.name)
            }
            if q.durable != durable {
                throw .inequivalent(
                    "durable", "queue", qname, vhost.name, received: "'\(durable)'", current: "'\(q.durable)'")
            }
            if q.autoDelete != autoDelete {
                throw .inequivalent(
                    "auto_delete", "queue", qname, vhost.name, received: "'\(autoDelete)'", current: "'\(q.autoDelete)'"
                )
            }
            try QueueSettings.checkEquivalent(
                received: arguments, current: q.arguments, queue: qname, vhost: vhost.name)
            q.lastUsedMs = now
            return q
        }
        let settings = try QueueSettings.parse(arguments, queue: qname, vhost: vhost.name)
        try QueueSettings.checkReplicatedType(
            arguments, exclusive: exclusive, autoDelete: autoDelete, durable: durable, queue: qname, vhost: vhost.name)
        let q = Queue(
            name: qname, vhost: vhost, durable: durable, exclusiveOwner: exclusive ? connection : nil,
            autoDelete: autoDelete, arguments: arguments, settings: settings, nowMs: now)
        vhost.queues[qname] = q
        if exclusive { exclusiveQueues[connection, default: []].append(q) }
        if settings.messageTTL >= 0 || settings.expires > 0 { timedQueues[ObjectIdentifier(q)] = q }
        if q.isJournaled && !replaying { journal?.queueDeclared(q) }
        return q
    }

    /// queue.declare passive (and every other lookup by name): 404 when missing, 405 when it is
    /// another connection's exclusive queue. Counts as use for x-expires when `touch`.
    public func queue(
        in vhost: VirtualHost, named name: Bytes, connection: UInt64, touch: Bool = true
    ) throws(BrokerError) -> Queue {
        guard let q = vhost.queues[name] else { throw .noQueue(name, vhost.name) }
        guard q.accessible(by: connection) else { throw .locked(name, vhost.name) }
        if touch { q.lastUsedMs = clock.nowMs() }
        return q
    }

    /// queue.delete. Returns the number of ready messages deleted (0 when the queue is missing,
    /// which RabbitMQ 3 treats as success).
    public func deleteQueue(
        in vhost: VirtualHost, named name: Bytes, ifUnused: Bool, ifEmpty: Bool, connection: UInt64
    ) throws(BrokerError) -> Int {
        guard let q = vhost.queues[name] else { return 0 }
        guard q.accessible(by: connection) else { throw .locked(name, vhost.name) }
        if ifUnused && !q.consumers.isEmpty { throw .inUse("queue", name, vhost.name) }
        if ifEmpty && q.messageCount > 0 { throw .notEmpty(name, vhost.name) }
        let n = q.messageCount
        removeQueue(q)
        drainDispatch()
        return n
    }

    /// queue.purge: drops the ready messages (unacked ones stay) and returns how many.
    public func purgeQueue(_ q: Queue) -> Int {
        let removed = q.ready.removeAll()
        for e in removed { settleEntry(q, e.message) }
        return removed.count
    }

    /// Deletes `q` now: unbinds it, cancels its consumers (telling their sinks), drops ready
    /// messages. Unacked messages stay with their channels until settled.
    func removeQueue(_ q: Queue) {
        guard !q.isDeleted else { return }
        q.isDeleted = true
        if lastDirectQueue === q { lastDirectQueue = nil }
        let vhost = q.vhost
        vhost.queues[q.name] = nil
        timedQueues[ObjectIdentifier(q)] = nil
        if let owner = q.exclusiveOwner {
            exclusiveQueues[owner]?.removeAll { $0 === q }
            if exclusiveQueues[owner]?.isEmpty == true { exclusiveQueues[owner] = nil }
        }
        if q.isJournaled && !replaying { journal?.queueDeleted(q) }
        let dest = Destination.queue(q)
        for ex in Array(vhost.exchanges.values) where !ex.bindings.isEmpty {
            if !ex.removeBindings(to: dest).isEmpty { autoDeleteIfUnused(ex) }
        }
        let consumers = q.consumers
        q.consumers.removeAll()
        for c in consumers {
            c.isActive = false
            c.channel.consumers[c.tag] = nil
            c.channel.sink?.consumerCancelled(c)
        }
        // The queue's deletion implies its messages are gone on replay: no per-message settles.
        for e in q.ready.removeAll() { release(e.message) }
    }

    /// The connection closed: its exclusive queues are deleted.
    public func connectionClosed(_ connection: UInt64) {
        guard let qs = exclusiveQueues.removeValue(forKey: connection) else { return }
        for q in qs { removeQueue(q) }
        drainDispatch()
    }

    /// Periodic work (FrontEnd.cron): expire messages at queue heads, delete queues unused for
    /// x-expires. Only queues with TTLs or x-expires are visited.
    public func cron() {
        if timedQueues.isEmpty { return }
        let now = clock.nowMs()
        for q in Array(timedQueues.values) {
            if q.isDeleted { continue }
            expireHeads(q, now: now)
            let x = q.settings.expires
            if x > 0 && q.consumers.isEmpty && now - q.lastUsedMs >= x {
                removeQueue(q)
            } else if q.settings.messageTTL < 0 && x <= 0 && q.ready.isEmpty {
                timedQueues[ObjectIdentifier(q)] = nil  // was only here for per-message TTLs
            }
        }
        drainDispatch()
    }
}
