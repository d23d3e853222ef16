// tx.select / commit / rollback with RabbitMQ's semantics: publishes and settlements are held
// until commit and applied in order; rollback drops the publishes and puts the held
// deliveries back as unacked. Confirm and tx modes exclude each other (406).
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

/// A channel's open transaction.
struct TxBuffer {
    var publishes: [(AMQPMethod.BasicPublish, Message)] = []
    var settlements: [(Settlement, [(UInt64, Delivery)])] = []
}

extension ChannelSession {
    /// tx.select
    func txSelect() throws(BrokerError) {
        if confirmSeq != nil { throw .preconditionFailed("cannot switch from confirm to tx mode") }
        if tx == nil { tx = TxBuffer() }
        send(.txSelectOk(.init()))
    }

    /// tx.commit: apply the held publishes, then the held settlements.
    func txCommit() throws(BrokerError) {
        guard let t = tx else { throw .preconditionFailed("channel is not transactional") }
        tx = TxBuffer()
        for (p, m) in t.publishes { try route(p, m) }
        let saved = tx
        tx = nil  // settle() applies immediately outside a transaction
        for (how, ds) in t.settlements { settle(ds, how) }
        tx = saved
        send(.txCommitOk(.init()))
    }

    /// tx.rollback: forget held publishes; held acks/nacks become unacked deliveries again.
    func txRollback() throws(BrokerError) {
        guard let t = tx else { throw .preconditionFailed("channel is not transactional") }
        tx = TxBuffer()
        unacked.restore(t.settlements.flatMap { $0.1 })
        send(.txRollbackOk(.init()))
    }
}
