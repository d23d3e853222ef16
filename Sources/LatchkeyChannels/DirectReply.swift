// Direct reply-to (amq.rabbitmq.reply-to): an RPC client consumes (no-ack) from the pseudo
// queue; its publishes carrying reply_to=amq.rabbitmq.reply-to get a per-channel routable name,
// and replies published to that name via the default exchange go straight to its channel.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

/// The server-wide table of channels consuming from amq.rabbitmq.reply-to.
package final class DirectReply {
    static let pseudoQueue = Bytes("amq.rabbitmq.reply-to".utf8)
    static let prefix = Bytes("amq.rabbitmq.reply-to.".utf8)

    /// Reply address → channel (weakly held: a closed channel unregisters in `close`).
    private var channels: [Bytes: ChannelSession] = [:]
    private var rng = SystemRandomNumberGenerator()

    package init() {}

    static func isReplyRoute(_ rk: Bytes) -> Bool { rk.count > prefix.count && rk.starts(with: prefix) }

    /// Registers `channel` and returns its reply address.
    func register(_ channel: ChannelSession) -> Bytes {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var address: Bytes
        repeat {
            address = DirectReply.prefix
            for _ in 0..<24 { address.append(alphabet[Int(rng.next() & 63)]) }
        } while channels[address] != nil
        channels[address] = channel
        return address
    }

    func unregister(_ channel: ChannelSession) {
        guard let a = channel.directReplyAddress else { return }
        channels[a] = nil
        channel.directReplyAddress = nil
        channel.directReplyTag = nil
    }

    /// queue.declare of the pseudo queue or a reply address: it "exists" (one consumer) when
    /// it is the bare name or a live address.
    func exists(_ name: Bytes) -> Bool { name == DirectReply.pseudoQueue || channels[name] != nil }

    /// Delivers a reply; false when nobody listens on that address (unroutable).
    func deliver(_ m: Message, to address: Bytes) -> Bool {
        guard let ch = channels[address], let tag = ch.directReplyTag else { return false }
        let deliveryTag = ch.nextDeliveryTag()
        ch.sendContent(
            .basicDeliver(
                .init(
                    consumerTag: tag, deliveryTag: deliveryTag, redelivered: false, exchange: m.exchange,
                    routingKey: m.routingKey)), m)
        return true
    }
}

extension ChannelSession {
    /// basic.consume on amq.rabbitmq.reply-to (must be no-ack, one per channel).
    func consumeDirectReply(_ m: AMQPMethod.BasicConsume) throws(BrokerError) {
        if !m.noAck { throw .preconditionFailed("reply consumer cannot acknowledge") }
        if directReplyTag != nil { throw .preconditionFailed("reply consumer already set") }
        var tag = m.consumerTag
        if tag.isEmpty {
            tag = broker.generateConsumerTag()
        } else if delivery.consumers[tag] != nil {
            throw .reusedConsumerTag(tag)
        }
        directReplyTag = tag
        directReplyAddress = connection.frontEnd.directReply.register(self)
        if !m.nowait { send(.basicConsumeOk(.init(consumerTag: tag))) }
    }

    /// A request whose reply_to is the pseudo queue gets this channel's reply address.
    func rewriteReplyTo(_ p: inout BasicProperties) throws(BrokerError) {
        guard let r = p.replyTo, r == DirectReply.pseudoQueue else { return }
        guard let address = directReplyAddress else { throw .preconditionFailed("fast reply consumer does not exist") }
        p.replyTo = address
    }
}
