// One AMQP channel: every frame on an open channel arrives in `frame(_:)` (content assembly,
// then the single method switch `handle(_:)`, with handlers in ChannelSession+<Class>.swift),
// per-channel delivery tags and unacked deliveries, the broker-side DeliveryChannel it owns,
// its open/closing state, and the one place BrokerError becomes AMQPException.
// ConnectionSession only splits frames, runs class 10 and channel.open, and routes here.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import LatchkeyLog

/// One open channel of a connection.
package final class ChannelSession {
    /// The channel number (1...channel_max).
    package let number: UInt16
    /// The connection this channel belongs to (it owns the channel).
    package unowned let connection: ConnectionSession
    let broker: Broker
    /// The vhost opened by the connection.
    let vhost: VirtualHost
    /// The broker's view of this channel (prefetch, consumers, sink).
    package let delivery: DeliveryChannel
    /// Delivered and fetched messages awaiting ack, by delivery tag.
    var unacked = UnackedDeliveries()
    /// The last delivery tag handed out (get-ok and deliver share the sequence).
    var lastDeliveryTag: UInt64 = 0
    /// The last queue declared on this channel (AMQP's empty-queue-name shortcut).
    var lastQueueName: Bytes = []
    /// The queue the last basic.get named (see `getQueue`). Strong: a weak reference gives every
    /// Queue a side table, which sends each retain and release of it down the slow path. A
    /// deleted queue it still points at is empty (deletion drops its ready messages) and is
    /// never used again; it goes when the channel polls another queue or closes.
    var lastGetQueue: Queue?
    /// The connection's id and its front end's alarms, kept here so the per-message paths do not go
    /// through the unowned `connection` reference (each access is a strong retain of it).
    let connectionID: UInt64
    let memoryAlarm: MemoryAlarm
    let diskAlarm: DiskAlarm
    /// Publisher confirms (confirm.select): the last sequence number used, nil when off.
    var confirmSeq: UInt64? = nil
    /// The highest sequence number whose ack is due but not yet sent, and the last one sent.
    var confirmPending: UInt64 = 0
    var confirmSent: UInt64 = 0
    /// Confirms waiting for the log (persistent publishes to durable queues), and any later
    /// confirm of the channel queued behind them; see ChannelSession+Confirm.swift.
    var deferredConfirms: [DeferredConfirm] = []
    /// Transaction mode (tx.select): buffered publishes and settlements, nil when off.
    var tx: TxBuffer? = nil
    /// Direct reply-to: the consumer tag and reply address while consuming amq.rabbitmq.reply-to.
    var directReplyTag: Bytes? = nil
    var directReplyAddress: Bytes? = nil
    /// Where the channel is in its life (see `State`).
    package internal(set) var state = State.open
    /// basic.publish → header → body assembly (one message in flight per channel).
    var assembly: PublishAssembly
    /// The connection's held-back basic.cancel notifications (see `handle`).
    let cancels: DeferredCancels
    /// Reused buffer for encoding publish properties.
    var scratch = Bytes()

    /// Open → closing (we sent channel.close and wait for close-ok, or the connection went) →
    /// closed. Leaving `.open` releases consumers and unacked messages exactly once.
    package enum State: Equatable {
        case open
        /// We sent channel.close: only channel.close and close-ok are read (RabbitMQ ignores the rest).
        case closing
        /// Released: the client closed it, close-ok arrived, or the connection is gone.
        case closed
    }

    /// Whether the channel was released (closing or closed).
    var closed: Bool { state != .open }

    package init(number: UInt16, connection: ConnectionSession) {
        self.number = number
        self.connection = connection
        assembly = PublishAssembly(maxMessageSize: connection.frontEnd.maxMessageSize)
        cancels = connection.deferredCancels
        connectionID = connection.id
        memoryAlarm = connection.frontEnd.memoryAlarm
        diskAlarm = connection.frontEnd.diskAlarm
        broker = connection.frontEnd.broker
        vhost = broker.vhost(named: connection.vhost) ?? broker.addVirtualHost(connection.vhost)
        delivery = DeliveryChannel(connectionID: connection.id, sink: nil)
        delivery.sink = self
    }

    /// One frame on this channel. Header and body frames feed the publish assembly; a method
    /// frame in the middle of a content is out of sequence (505), else it goes to `handle`.
    @inline(__always) func frame(_ f: Frame) throws(AMQPException) {
        if state != .open { return closingFrame(f) }
        switch f.type {
        case FrameType.method:
            // basic.publish, the most frequent method, is read in place (no AMQPMethod value).
            if Self.isMethod(f.payload, AMQPMethod.BasicPublish.classID, AMQPMethod.BasicPublish.methodID),
                try assembly.beginInPlace(f.payload)
            {
                return
            }
            if f.payload.count == 13, f.payload[0] == 0, f.payload[1] == UInt8(AMQPClassID.basic),
                !assembly.isCollecting, try settleInPlace(f.payload)
            {
                return
            }
            if Self.isMethod(f.payload, AMQPMethod.BasicGet.classID, AMQPMethod.BasicGet.methodID),
                !assembly.isCollecting, try getInPlace(f.payload)
            {
                return
            }
            let m = try ConnectionSession.decodeMethod(f.payload)
            if assembly.isCollecting { throw assembly.outOfSequence() }
            do throws(AMQPException) { try handle(m) } catch { throw error.attributed(to: m.classID, m.methodID) }
        case FrameType.header:
            try complete(try assembly.header(f.payload), UnsafeRawBufferPointer(start: nil, count: 0))
        default: try complete(try assembly.bodyFrame(f.payload), f.payload)
        }
    }

    /// basic.ack, basic.nack and basic.reject (delivery tag + one octet of bits: 13 bytes with the
    /// ids) read in place; false for any other basic method, which takes the generic path. Errors
    /// are those `handle` gives.
    @inline(__always) func settleInPlace(_ p: UnsafeRawBufferPointer) throws(AMQPException) -> Bool {
        guard p[2] == 0 else { return false }
        let methodID = UInt16(p[3])
        guard
            methodID == AMQPMethod.BasicAck.methodID || methodID == AMQPMethod.BasicNack.methodID
                || methodID == AMQPMethod.BasicReject.methodID
        else { return false }
        let tag = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt64.self))
        let bits = p[12]
        let outermost = !cancels.active
        if outermost { cancels.active = true }
        defer { if outermost { sendDeferredCancels() } }
        do throws(BrokerError) {
            switch methodID {
            case AMQPMethod.BasicAck.methodID: try basicAck(tag: tag, multiple: bits & 1 != 0)
            case AMQPMethod.BasicNack.methodID:
                try basicNack(tag: tag, multiple: bits & 1 != 0, requeue: bits & 2 != 0)
            default: try basicReject(tag: tag, requeue: bits & 1 != 0)
            }
        } catch {
            throw ChannelSession.exception(error, classID: AMQPClassID.basic, methodID: methodID)
        }
        return true
    }

    /// basic.get(ticket, queue, no-ack) read in place: a poller's queue name is compared with the
    /// last one's bytes, not copied. False, having done nothing, for a payload that is not a
    /// well-formed basic.get (the generic decoder reports it). Errors are those `handle` gives.
    @inline(__always) func getInPlace(_ p: UnsafeRawBufferPointer) throws(AMQPException) -> Bool {
        guard p.count >= 8 else { return false }
        let n = Int(p[6])
        guard p.count == 7 + n + 1 else { return false }
        let name = UnsafeRawBufferPointer(rebasing: p[7..<(7 + n)])
        let noAck = p[7 + n] & 1 != 0
        let outermost = !cancels.active
        if outermost { cancels.active = true }
        defer { if outermost { sendDeferredCancels() } }
        do throws(BrokerError) {
            let q: Queue
            if let last = lastGetQueue, n > 0, sameBytes(last.name, name), isUsable(last) {
                q = last
            } else {
                q = try getQueue(try queueName(Bytes(name)))
            }
            basicGet(from: q, noAck: noAck)
        } catch {
            throw ChannelSession.exception(
                error, classID: AMQPMethod.BasicGet.classID, methodID: AMQPMethod.BasicGet.methodID)
        }
        return true
    }

    /// Whether a method frame's payload starts with these class and method ids.
    @inline(__always) static func isMethod(_ payload: UnsafeRawBufferPointer, _ c: UInt16, _ m: UInt16) -> Bool {
        payload.count >= 4 && payload[0] == UInt8(c >> 8) && payload[1] == UInt8(truncatingIfNeeded: c)
            && payload[2] == UInt8(m >> 8) && payload[3] == UInt8(truncatingIfNeeded: m)
    }

    /// The one method switch: every method a client may send on an open channel (class 10 and
    /// channel.open are the connection's). Anything else is 540 NOT_IMPLEMENTED, or 503 for a
    /// method only the server sends.
    package func handle(_ method: AMQPMethod) throws(AMQPException) {
        // RabbitMQ answers the method first (queue.delete-ok) and sends the basic.cancel of the
        // consumers it removed after it; py-amqp fails on a cancel that arrives before delete-ok.
        let outermost = !cancels.active
        if outermost { cancels.active = true }
        defer { if outermost { sendDeferredCancels() } }
        do {
            switch method {
            case .channelOpen: throw AMQPException.channelError("second 'channel.open' seen")
            case .channelClose: closedByClient()
            case .channelFlow(let m): try channelFlow(m)
            case .basicPublish(let m): try assembly.begin(m)
            case .exchangeDeclare(let m): try exchangeDeclare(m)
            case .exchangeDelete(let m): try exchangeDelete(m)
            case .exchangeBind(let m): try exchangeBind(m)
            case .exchangeUnbind(let m): try exchangeUnbind(m)
            case .queueDeclare(let m): try queueDeclare(m)
            case .queueBind(let m): try queueBind(m)
            case .queueUnbind(let m): try queueUnbind(m)
            case .queuePurge(let m): try queuePurge(m)
            case .queueDelete(let m): try queueDelete(m)
            case .basicQos(let m): try basicQos(m)
            case .basicConsume(let m): try basicConsume(m)
            case .basicCancel(let m): basicCancel(m)
            case .basicGet(let m): try basicGet(m)
            case .basicAck(let m): try basicAck(tag: m.deliveryTag, multiple: m.multiple)
            case .basicReject(let m): try basicReject(tag: m.deliveryTag, requeue: m.requeue)
            case .basicNack(let m): try basicNack(tag: m.deliveryTag, multiple: m.multiple, requeue: m.requeue)
            case .basicRecover(let m): try basicRecover(requeue: m.requeue, reply: true)
            case .basicRecoverAsync(let m): try basicRecover(requeue: m.requeue, reply: false)
            case .confirmSelect(let m): try confirmSelect(m)
            case .txSelect: try txSelect()
            case .txCommit: try txCommit()
            case .txRollback: try txRollback()
            case .accessRequest: send(.accessRequestOk(.init()))
            default:
                // Class 10 on a channel, and a method only the server sends (declare-ok,
                // get-empty, channel.close-ok on an open channel, ...) are 503 for the whole
                // connection in RabbitMQ 3.10 (checked on a node).
                if method.classID == AMQPClassID.connection || Self.isServerOnly(method.name) {
                    throw AMQPException.commandInvalid("unimplemented method")
                }
                throw AMQPException.notImplemented("method \(method.name) is not implemented")
            }
        } catch let e as BrokerError {
            throw ChannelSession.exception(e, classID: method.classID, methodID: method.methodID)
        } catch let e as AMQPException { throw e } catch { throw AMQPException.internalError("\(error)") }
    }

    /// Replies and deliveries: methods a client never sends. (Content-bearing ones, deliver/
    /// get-ok/return, are refused at once; RabbitMQ first waits for their content, see
    /// docs/amqp.md, differential allow-list.)
    static func isServerOnly(_ name: String) -> Bool {
        name.hasSuffix("-ok") || name == "basic.deliver" || name == "basic.return" || name == "basic.get-empty"
    }

    /// A complete basic.publish goes to `basicPublish`; its errors name basic.publish.
    /// `payload` is the body when the assembly did not collect one: the body frame just fed, or
    /// nothing after a header that declared an empty body.
    @inline(__always) private func complete(
        _ action: PublishAssembly.Action, _ payload: UnsafeRawBufferPointer
    ) throws(AMQPException) {
        guard case .complete(let publish, let props, let summary, let collected) = action else { return }
        do throws(BrokerError) {
            if let collected {
                var failure: BrokerError? = nil
                collected.withUnsafeBytes { b in
                    do throws(BrokerError) { try basicPublish(publish, properties: props, summary, body: b) } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
            } else {
                try basicPublish(publish, properties: props, summary, body: payload)
            }
        } catch {
            throw ChannelSession.exception(
                error, classID: AMQPMethod.BasicPublish.classID, methodID: AMQPMethod.BasicPublish.methodID)
        }
    }

    /// The channel is closing (client or server initiated) or its connection went away: cancel
    /// consumers and requeue every unacked message in its original position. Called once.
    package func close() {
        guard state == .open else { return }
        release()
        state = .closed
    }

    /// Cancels consumers, requeues unacked messages, drops confirms still waiting for the log.
    private func release() {
        flushConfirms()
        state = .closed
        // Confirms still waiting for the log die with the channel, as in RabbitMQ.
        deferredConfirms.removeAll()
        connection.frontEnd.confirmWaiters[ObjectIdentifier(self)] = nil
        // Acks held by an open transaction were never committed: those messages are unacked.
        if let t = tx { unacked.restore(t.settlements.flatMap { $0.1 }) }
        tx = nil
        connection.frontEnd.directReply.unregister(self)
        lastGetQueue = nil
        let all = unacked.removeAll().map(\.1)
        broker.channelClosed(delivery, unacked: all)
        delivery.sink = nil
    }

    /// BrokerError → AMQPException, the one mapping (channel vs connection scope follows the
    /// code: 403/404/405/406 close the channel, 503/530/540 the connection).
    static func exception(_ e: BrokerError, classID: UInt16, methodID: UInt16) -> AMQPException {
        AMQPException(code: ReplyCode(rawValue: e.code), detail: e.detail, classID: classID, methodID: methodID)
    }

    // MARK: output

    @inline(__always) func send(_ m: AMQPMethod) { connection.send(m, channel: number) }

    /// A content-bearing method (deliver, get-ok, return) with a stored message.
    func sendContent(_ m: AMQPMethod, _ message: Message) {
        message.withContent { raw in
            connection.sendContent(
                m, channel: number,
                encodedProperties: UnsafeRawBufferPointer(rebasing: raw[0..<message.propertiesCount]),
                body: UnsafeRawBufferPointer(rebasing: raw[message.propertiesCount...]))
        }
    }

    func nextDeliveryTag() -> UInt64 {
        lastDeliveryTag += 1
        return lastDeliveryTag
    }

    /// The queue name a method refers to: empty means the last queue declared on the channel.
    func queueName(_ name: Bytes) throws(BrokerError) -> Bytes {
        if !name.isEmpty { return name }
        if lastQueueName.isEmpty { throw .notFound("no previously declared queue") }
        return lastQueueName
    }
}

extension ChannelSession: DeliverySink {
    package func deliver(_ d: Delivery, to consumer: Consumer) {
        let tag = nextDeliveryTag()
        if !consumer.noAck { unacked.append(tag: tag, d) }
        let conn = connection  // unowned: one strong load for the whole delivery
        conn.sendDeliver(
            channel: number, consumerTag: consumer.tag, deliveryTag: tag, redelivered: d.redelivered, d.message)
        if conn.client.outbox.bytes.count > ChannelSession.outboxHighWater {
            delivery.paused = true
            conn.deliveriesPaused = true
        }
    }

    package func consumerCancelled(_ consumer: Consumer) {
        // RabbitMQ only tells clients that advertised consumer_cancel_notify.
        guard connection.consumerCancelNotify else { return }
        if cancels.active {
            cancels.pending.append((self, consumer.tag))
        } else {
            send(.basicCancel(.init(consumerTag: consumer.tag, nowait: true)))
        }
    }

    /// Sends the cancels `handle` held back until its reply was out (channels closed meanwhile
    /// are skipped: their consumers went with them).
    func sendDeferredCancels() {
        cancels.active = false
        if cancels.pending.isEmpty { return }
        let pending = cancels.pending
        cancels.pending = []
        for (channel, tag) in pending where !channel.closed {
            channel.send(.basicCancel(.init(consumerTag: tag, nowait: true)))
        }
    }
}
