// The unacked ring against a plain sorted list: random appends, single removals (oldest, middle,
// unknown), prefix removals and restores keep the same tags in the same order, across growth
// and wrap-around.
import LatchkeyBroker
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyChannels

@Suite("Unacked deliveries") struct UnackedDeliveriesTests {
    @Test("matches a sorted list under random operations") func model() throws {
        let broker = Broker(clock: ManualClock())
        let vhost = broker.vhost(named: Bytes("/".utf8))!
        let q = try broker.declareQueue(
            in: vhost, name: Bytes("q".utf8), durable: false, exclusive: false, autoDelete: false, arguments: .empty,
            connection: 1)
        var rng = SystemRandomNumberGenerator()
        var ring = UnackedDeliveries()
        var model: [UInt64] = []
        var next: UInt64 = 1
        func delivery() -> Delivery {
            let m = Message.make(
                id: broker.allocateMessageID(), content: [0, 0], propertiesCount: 2, exchange: [],
                routingKey: Bytes("q".utf8))
            return Delivery(queue: q, entry: QueueEntry(message: m, seq: next), consumer: nil)
        }
        for _ in 0..<5000 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                ring.append(tag: next, delivery())
                model.append(next)
                next += 1
            case 5..<8:
                guard let t = model.randomElement(using: &rng) else { continue }
                let tag = Bool.random(using: &rng) ? model[0] : t
                #expect(ring.remove(tag: tag)?.entry.seq == tag)
                model.removeAll { $0 == tag }
                #expect(ring.remove(tag: tag) == nil)
            case 8:
                guard let t = model.randomElement(using: &rng) else { continue }
                let taken = ring.removeUpTo(tag: t)
                #expect(taken.map(\.0) == model.filter { $0 <= t })
                #expect(taken.allSatisfy { $0.0 == $0.1.entry.seq })
                model.removeAll { $0 <= t }
                if Bool.random(using: &rng) {
                    ring.restore(taken)
                    model = (model + taken.map(\.0)).sorted()
                }
            default:
                #expect(ring.contains(tag: next) == false)
                if let t = model.last { #expect(ring.contains(tag: t)) }
            }
            #expect(ring.count == model.count)
        }
        #expect(ring.removeAll().map(\.0) == model)
        #expect(ring.isEmpty)
    }
}
