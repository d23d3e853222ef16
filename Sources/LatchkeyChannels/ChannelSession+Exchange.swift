// exchange.declare / delete / bind / unbind: decode-free handlers that call the broker and
// answer with the -ok method unless nowait. The rules and texts (unknown type → connection
// 503, amq. reserved, default exchange untouchable, equivalence 406) live in LatchkeyBroker.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

extension ChannelSession {
    /// exchange.declare(exchange, type, passive, durable, auto-delete, internal, nowait, arguments)
    func exchangeDeclare(_ m: AMQPMethod.ExchangeDeclare) throws(BrokerError) {
        if m.passive {
            // Passive never checks equivalence; the default exchange is refused as in RabbitMQ.
            if m.exchange.isEmpty { throw BrokerError.defaultExchange }
            _ = try broker.exchange(in: vhost, named: m.exchange)
        } else {
            if m.durable && !m.exchange.isEmpty && vhost.exchanges[m.exchange] == nil
                && connection.frontEnd.diskAlarm.isFailing && connection.frontEnd.journal.isEnabled
            {
                throw BrokerError.unloggable("exchange", m.exchange, vhost.name)
            }
            try broker.declareExchange(
                in: vhost, name: m.exchange, type: m.type, durable: m.durable, autoDelete: m.autoDelete,
                internal: m.internal, arguments: Arguments(m.arguments))
        }
        if !m.nowait { send(.exchangeDeclareOk(.init())) }
    }

    /// exchange.delete(exchange, if-unused, nowait)
    func exchangeDelete(_ m: AMQPMethod.ExchangeDelete) throws(BrokerError) {
        try broker.deleteExchange(in: vhost, named: m.exchange, ifUnused: m.ifUnused)
        if !m.nowait { send(.exchangeDeleteOk(.init())) }
    }

    /// exchange.bind(destination, source, routing-key, nowait, arguments)
    func exchangeBind(_ m: AMQPMethod.ExchangeBind) throws(BrokerError) {
        try broker.bindExchange(
            in: vhost, destination: m.destination, source: m.source, routingKey: m.routingKey,
            arguments: Arguments(m.arguments))
        if !m.nowait { send(.exchangeBindOk(.init())) }
    }

    /// exchange.unbind(destination, source, routing-key, nowait, arguments)
    func exchangeUnbind(_ m: AMQPMethod.ExchangeUnbind) throws(BrokerError) {
        try broker.unbindExchange(
            in: vhost, destination: m.destination, source: m.source, routingKey: m.routingKey,
            arguments: Arguments(m.arguments))
        if !m.nowait { send(.exchangeUnbindOk(.init())) }
    }
}
