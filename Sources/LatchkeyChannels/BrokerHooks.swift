// What the frame-free broker needs from the AMQP side while it routes and dead-letters: the
// headers of a stored message (headers exchange) and its properties rewritten with x-death.
// The journal half of the same hooks is BrokerHooks+Journal.swift.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import LatchkeyLog

/// Installed on the broker by the AMQP front end: journal adapter and property codec in one.
package final class BrokerHooks: MessagePropertyCodec {
    let journal: Journal

    package init(journal: Journal) { self.journal = journal }

    /// Installs the hooks on `broker` (the broker keeps them alive).
    package static func install(on broker: Broker, journal: Journal) {
        let h = BrokerHooks(journal: journal)
        broker.journal = h
        broker.propertyCodec = h
    }

    // MARK: MessagePropertyCodec

    package func headers(of message: Message) -> Arguments {
        guard let h = message.basicProperties?.headers else { return .empty }
        return Arguments(h)
    }

    package func deadLettered(_ message: Message, death: DeathEvent) -> (content: Bytes, propertiesCount: Int) {
        guard var p = message.basicProperties else { return (message.content, message.propertiesCount) }
        XDeath.add(death, to: &p)
        var content = Bytes()
        content.reserveCapacity(message.contentCount + 128)
        p.encode(into: &content)
        let n = content.count
        content.append(contentsOf: message.body)
        return (content, n)
    }
}
