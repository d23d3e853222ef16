// Session tests for confirm.select, tx.*, direct reply-to, dead-lettering with x-death,
// connection.blocked, and the journal records durable operations produce.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import LatchkeyLog
import LatchkeyTestSupport
import Testing

@testable import LatchkeyChannels

@Suite("Channel: confirms, tx, reply-to, DLX, flow, journal") struct ChannelSessionConfirmTxTests {
    @Test("confirms: seq numbers from 1; unroutable mandatory gets return then ack; reject-publish gets nack")
    func confirms() {
        let h = AMQPHarness.running()
        var args = FieldTable()
        args.append("x-max-length", .int32(1))
        args.append("x-overflow", .string("reject-publish"))
        h.declare("q", arguments: args)
        h.send(.confirmSelect(.init()), channel: 1)
        #expect(h.methods().last == .confirmSelectOk(.init()))
        h.publish("a", rk: "q")
        h.publish("b", rk: "nowhere", mandatory: true)
        h.publish("c", rk: "q")
        #expect(
            h.methods() == [
                .basicAck(.init(deliveryTag: 1, multiple: false)),
                .basicReturn(
                    .init(replyCode: 312, replyText: bytes("NO_ROUTE"), exchange: [], routingKey: bytes("nowhere"))),
                .basicAck(.init(deliveryTag: 2, multiple: false)),
                .basicNack(.init(deliveryTag: 3, multiple: false, requeue: false)),
            ])
    }

    @Test("confirms of publishes that arrive in one read are coalesced into one ack with multiple")
    func confirmsCoalesced() {
        let h = AMQPHarness.running()
        h.declare("q")
        h.send(.confirmSelect(.init()), channel: 1)
        _ = h.take()
        h.feed((0..<3).flatMap { AMQPHarness.publishFrames("m\($0)", rk: "q") })
        #expect(h.methods() == [.basicAck(.init(deliveryTag: 3, multiple: true))])
        h.publish("single", rk: "q")
        #expect(h.methods() == [.basicAck(.init(deliveryTag: 4, multiple: false))])
    }

    @Test("tx: publishes and acks wait for commit; rollback drops publishes and restores acks") func tx() {
        let h = AMQPHarness.running()
        h.declare("q")
        h.publish("old", rk: "q")
        h.send(.txSelect(.init()), channel: 1)
        #expect(h.methods().last == .txSelectOk(.init()))
        h.publish("new", rk: "q")
        let q = h.front.broker.vhost(named: bytes("/"))!.queue(named: bytes("q"))!
        #expect(q.messageCount == 1)
        h.send(.txCommit(.init()), channel: 1)
        #expect(h.methods() == [.txCommitOk(.init())])
        #expect(q.messageCount == 2)
        h.send(.basicGet(.init(queue: bytes("q"))), channel: 1)
        _ = h.take()
        h.send(.basicAck(.init(deliveryTag: 1)), channel: 1)
        h.publish("dropped", rk: "q")
        h.send(.txRollback(.init()), channel: 1)
        #expect(h.methods() == [.txRollbackOk(.init())])
        #expect(q.messageCount == 1 && q.unackedCount == 1)
        h.send(.basicAck(.init(deliveryTag: 1)), channel: 1)
        h.send(.txCommit(.init()), channel: 1)
        _ = h.take()
        #expect(q.unackedCount == 0)
        h.send(.confirmSelect(.init()), channel: 1)
        #expect(h.closes() == [CloseInfo(406, "PRECONDITION_FAILED - cannot switch from tx to confirm mode", 85, 10)])
    }

    @Test("tx.commit on a non-transactional channel is 406") func txNotSelected() {
        let h = AMQPHarness.running()
        h.send(.txCommit(.init()), channel: 1)
        #expect(h.closes() == [CloseInfo(406, "PRECONDITION_FAILED - channel is not transactional", 90, 20)])
    }

    @Test("direct reply-to: reply_to is rewritten and the reply is delivered to the requester's channel")
    func directReplyTo() {
        let client = AMQPHarness.running()
        client.send(
            .basicConsume(.init(queue: bytes("amq.rabbitmq.reply-to"), consumerTag: bytes("rpc"), noAck: true)),
            channel: 1)
        #expect(client.methods() == [.basicConsumeOk(.init(consumerTag: bytes("rpc")))])
        client.declare("rpc_queue")
        _ = client.take()
        client.publish("req", rk: "rpc_queue", properties: BasicProperties(replyTo: bytes("amq.rabbitmq.reply-to")))
        client.send(.basicGet(.init(queue: bytes("rpc_queue"), noAck: true)), channel: 1)
        guard let replyTo = client.received().first?.properties.replyTo else {
            Issue.record("no request")
            return
        }
        #expect(replyTo.starts(with: bytes("amq.rabbitmq.reply-to.")) && replyTo.count > 22)
        client.send(.queueDeclare(.init(queue: replyTo, passive: true)), channel: 1)
        #expect(client.methods() == [.queueDeclareOk(.init(queue: replyTo, messageCount: 0, consumerCount: 1))])
        let server = AMQPHarness(sharing: client)
        server.handshake()
        server.openChannel(1)
        server.publish("resp", rk: String(decoding: replyTo, as: UTF8.self))
        let r = client.received()
        #expect(r.map(\.body) == ["resp"])
        if case .basicDeliver(let d)? = r.first?.method { #expect(d.consumerTag == bytes("rpc")) }
    }

    @Test("dead-lettered messages carry an x-death header") func xDeath() {
        let h = AMQPHarness.running()
        h.declare("dead")
        var args = FieldTable()
        args.append("x-dead-letter-exchange", .string(""))
        args.append("x-dead-letter-routing-key", .string("dead"))
        h.declare("work", arguments: args)
        h.publish("m", rk: "work", properties: BasicProperties(expiration: bytes("60000")))
        h.send(.basicGet(.init(queue: bytes("work"))), channel: 1)
        _ = h.take()
        h.send(.basicReject(.init(deliveryTag: 1, requeue: false)), channel: 1)
        h.send(.basicGet(.init(queue: bytes("dead"), noAck: true)), channel: 1)
        let r = h.received()
        #expect(r.first?.body == "m")
        let headers = r.first?.properties.headers
        guard case .array(let deaths)? = headers?["x-death"], case .table(let d)? = deaths.first else {
            Issue.record("no x-death")
            return
        }
        #expect(d["reason"] == .string("rejected"))
        #expect(d["queue"] == .string("work"))
        #expect(d["count"] == .int64(1))
        #expect(d["original-expiration"] == .string("60000"))
        #expect(r.first?.properties.expiration == nil)
        #expect(headers?["x-first-death-reason"] == .string("rejected"))
    }

    @Test("connection.blocked when queued bytes cross the limit, unblocked when drained") func blocked() {
        let h = AMQPHarness(config: ["amqp-queued-memory-limit": "4096"])
        h.handshake()
        h.openChannel(1)
        h.declare("q")
        _ = h.take()
        // The harness client advertises no connection.blocked capability: nothing is sent to it.
        h.publish(String(repeating: "x", count: 5000), rk: "q")
        #expect(h.front.memoryAlarm.isBlocked)
        #expect(!h.methods().contains { if case .connectionBlocked = $0 { return true } else { return false } })
        h.send(.basicGet(.init(queue: bytes("q"), noAck: true)), channel: 1)
        #expect(!h.front.memoryAlarm.isBlocked)
    }

    @Test("clients advertising connection.blocked get blocked past the limit and unblocked below 90%")
    func blockedNotified() {
        let h = AMQPHarness(config: ["amqp-queued-memory-limit": "4096"])
        h.header()
        var caps = FieldTable()
        caps.append("connection.blocked", .bool(true))
        var props = FieldTable()
        props.append("capabilities", .table(caps))
        h.send(
            .connectionStartOk(
                .init(
                    clientProperties: props, mechanism: bytes("PLAIN"), response: AMQPHarness.plain("guest", "guest"),
                    locale: bytes("en_US"))))
        h.send(.connectionTuneOk(.init(channelMax: 10, frameMax: 131072, heartbeat: 0)))
        h.send(.connectionOpen(.init(virtualHost: bytes("/"))))
        h.openChannel(1)
        h.declare("q")
        _ = h.take()
        h.publish(String(repeating: "x", count: 5000), rk: "q")
        #expect(h.methods() == [.connectionBlocked(.init(reason: bytes("low on memory")))])
        h.publish("more", rk: "q")
        #expect(h.methods().isEmpty)  // told once
        h.send(.queuePurge(.init(queue: bytes("q"))), channel: 1)
        h.front.cron()
        #expect(h.methods() == [.queuePurgeOk(.init(messageCount: 2)), .connectionUnblocked(.init())])
    }

    @Test("durable queue, binding and persistent messages are journaled; transient ones are not") func journal() {
        let c = Config()
        let ctx = ServerContext(config: c, clock: ManualClock())
        let journal = Journal(enabled: true)
        let front = AMQPFrontEnd(context: ctx, journal: journal)
        let h = AMQPHarness(front: front)
        h.handshake()
        h.openChannel(1)
        h.declare("d", durable: true)
        h.declare("t")
        h.publish("p", rk: "d", properties: BasicProperties(deliveryMode: 2))
        h.publish("n", rk: "d")
        h.publish("p", rk: "t", properties: BasicProperties(deliveryMode: 2))
        h.send(.basicGet(.init(queue: bytes("d"), noAck: true)), channel: 1)
        let records = journal.take()
        #expect(records.count == 3)
        guard records.count == 3 else { return }
        #expect(records[0] == .queueDeclared(vhost: bytes("/"), name: bytes("d"), autoDelete: false, arguments: []))
        guard case .messageEnqueued(_, let q, let id, _, _, let content) = records[1] else {
            Issue.record("expected an enqueue")
            return
        }
        #expect(q == bytes("d") && content.suffix(1) == [0x70])
        #expect(records[2] == .messageSettled(vhost: bytes("/"), queue: bytes("d"), id: id))
        // Replaying those records into a fresh broker gives the durable queue back, empty.
        let fresh = Broker(clock: ManualClock())
        BrokerReplay.begin(fresh)
        for r in records { #expect(BrokerReplay.apply(r, to: fresh)) }
        BrokerReplay.finish(fresh)
        #expect(fresh.vhost(named: bytes("/"))!.queue(named: bytes("d"))?.messageCount == 0)
    }

    @Test("snapshot (log rewrite) keeps ready and unacked persistent messages in order and replays") func snapshot() {
        let h = AMQPHarness.running()
        h.send(.exchangeDeclare(.init(exchange: bytes("x"), type: bytes("direct"), durable: true)), channel: 1)
        h.declare("d", durable: true)
        h.send(.queueBind(.init(queue: bytes("d"), exchange: bytes("x"), routingKey: bytes("k"))), channel: 1)
        for i in 0..<3 { h.publish("p\(i)", exchange: "x", rk: "k", properties: BasicProperties(deliveryMode: 2)) }
        h.publish("transient", exchange: "x", rk: "k")
        h.send(.basicGet(.init(queue: bytes("d"))), channel: 1)  // p0 stays unacked
        _ = h.take()
        var framed: [UInt8] = []
        BrokerReplay.writeSnapshot(h.front.broker, into: &framed)
        let records = RecordCodec.decodeAll(framed) ?? []
        #expect(records.count == 6)  // exchange, queue, binding, p0, p1, p2
        let fresh = Broker(clock: ManualClock())
        BrokerReplay.begin(fresh)
        for r in records { #expect(BrokerReplay.apply(r, to: fresh)) }
        BrokerReplay.finish(fresh)
        let v = fresh.vhost(named: bytes("/"))!
        let q = v.queue(named: bytes("d"))!
        #expect(v.exchange(named: bytes("x"))?.bindings.count == 1)
        var bodies: [String] = []
        while let (d, _) = fresh.get(from: q, noAck: true) {
            bodies.append(String(decoding: d.message.body, as: UTF8.self))
        }
        #expect(bodies == ["p0", "p1", "p2"])
    }
}
