// Shared fixtures for the broker tests: a broker on a manual clock, a recording delivery sink
// and journal, and message builders (content = a fake 2-byte property block + body).
import LatchkeyCore
import LatchkeyTestSupport

@testable import LatchkeyBroker

func b(_ s: String) -> Bytes { Array(s.utf8) }

final class RecordingSink: DeliverySink {
    var deliveries: [(tag: Bytes, delivery: Delivery)] = []
    var cancelled: [Bytes] = []
    func deliver(_ delivery: Delivery, to consumer: Consumer) { deliveries.append((consumer.tag, delivery)) }
    func consumerCancelled(_ consumer: Consumer) { cancelled.append(consumer.tag) }

    var bodies: [String] { deliveries.map { String(decoding: $0.delivery.message.body, as: UTF8.self) } }
    func take() -> [Delivery] {
        defer { deliveries.removeAll() }
        return deliveries.map(\.delivery)
    }
}

final class RecordingJournal: BrokerJournal {
    var events: [String] = []
    func queueDeclared(_ queue: Queue) { events.append("declare \(queue.name.string)") }
    func queueDeleted(_ queue: Queue) { events.append("delete \(queue.name.string)") }
    func exchangeDeclared(_ exchange: Exchange) { events.append("xdeclare \(exchange.name.string)") }
    func exchangeDeleted(_ exchange: Exchange) { events.append("xdelete \(exchange.name.string)") }
    func bound(_ binding: Binding) {
        events.append("bind \(binding.source.name.string)->\(binding.destination.name.string)")
    }
    func unbound(_ binding: Binding) {
        events.append("unbind \(binding.source.name.string)->\(binding.destination.name.string)")
    }
    func messageEnqueued(_ message: Message, queue: Queue) { events.append("enq \(queue.name.string) \(message.id)") }
    func messageSettled(_ message: Message, queue: Queue) { events.append("settle \(queue.name.string) \(message.id)") }
}

struct Fixture {
    let clock = ManualClock()
    let broker: Broker
    let vhost: VirtualHost
    let sink = RecordingSink()
    let channel: DeliveryChannel

    init(connection: UInt64 = 1) {
        broker = Broker(clock: clock)
        vhost = broker.vhost(named: b("/"))!
        channel = DeliveryChannel(connectionID: connection, sink: sink)
    }

    func message(
        _ body: String, rk: String = "", exchange: String = "", ttl: Int64 = -1, persistent: Bool = false,
        priority: UInt8 = 0
    ) -> Message {
        Message.make(
            id: broker.allocateMessageID(), content: [0, 0] + b(body), propertiesCount: 2, exchange: b(exchange),
            routingKey: b(rk), persistent: persistent, priority: priority, ttlMs: ttl)
    }

    @discardableResult func declare(
        _ name: String, durable: Bool = false, exclusive: Bool = false, autoDelete: Bool = false, args: [Argument] = [],
        connection: UInt64 = 1
    ) throws(BrokerError) -> Queue {
        try broker.declareQueue(
            in: vhost, name: b(name), durable: durable, exclusive: exclusive, autoDelete: autoDelete,
            arguments: Arguments(args), connection: connection)
    }

    @discardableResult func publish(
        _ body: String, to exchange: String = "", rk: String, ttl: Int64 = -1, persistent: Bool = false,
        priority: UInt8 = 0
    ) throws(BrokerError) -> PublishOutcome {
        try broker.publish(
            in: vhost, exchange: b(exchange),
            message: message(body, rk: rk, exchange: exchange, ttl: ttl, persistent: persistent, priority: priority))
    }

    func getBody(_ q: Queue, noAck: Bool = true) -> String? {
        guard let (d, _) = broker.get(from: q, noAck: noAck) else { return nil }
        return String(decoding: d.message.body, as: UTF8.self)
    }

    func drain(_ q: Queue) -> [String] {
        var out: [String] = []
        while let s = getBody(q) { out.append(s) }
        return out
    }

    @discardableResult func consume(
        _ q: Queue, tag: String = "", noAck: Bool = false, exclusive: Bool = false, on ch: DeliveryChannel? = nil
    ) throws(BrokerError) -> Consumer {
        let c = try broker.consume(
            q, tag: b(tag), noAck: noAck, exclusive: exclusive, arguments: .empty, channel: ch ?? channel)
        broker.startDelivery(c)
        return c
    }
}

func int(_ key: String, _ v: Int64) -> Argument { Argument(b(key), .integer(v, typeName: "signedint")) }
func str(_ key: String, _ v: String) -> Argument { Argument(b(key), .string(b(v))) }
