// LATCHKEY RESET's broker half: every queue and every exchange a client declared is deleted in
// every vhost, through the same removal path as queue.delete/exchange.delete, so consumers
// that advertised consumer_cancel_notify get basic.cancel and durable deletions are journaled.
// The predeclared exchanges stay; their bindings go with the queues they pointed at.
import LatchkeyCore

extension Broker {
    /// Deletes every client-declared queue and exchange; returns how many of each went.
    @discardableResult public func resetForTests() -> (queues: Int, exchanges: Int) {
        var queues = 0
        var exchanges = 0
        for vhost in vhosts.values {
            for q in Array(vhost.queues.values) where !q.isDeleted {
                removeQueue(q)
                queues += 1
            }
            for ex in Array(vhost.exchanges.values) where !ex.isSystem && vhost.exchanges[ex.name] === ex {
                removeExchange(ex, in: vhost)
                exchanges += 1
            }
        }
        drainDispatch()
        return (queues, exchanges)
    }
}
