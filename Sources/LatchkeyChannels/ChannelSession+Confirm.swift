// confirm.select and publisher confirms: once selected, every publish on the channel gets the
// next sequence number and is answered with basic.ack (routed, or unroutable after its
// basic.return) or basic.nack (refused by x-overflow reject-publish). A publish the log must
// hold (persistent, durable queue) is confirmed only when the log says it is durable, and
// nacked if the log fails first; only the confirms wait, not the connection's other output.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

extension ChannelSession {
    /// confirm.select(nowait). A transactional channel cannot switch (406).
    func confirmSelect(_ m: AMQPMethod.ConfirmSelect) throws(BrokerError) {
        if tx != nil { throw .preconditionFailed("cannot switch from tx to confirm mode") }
        if confirmSeq == nil { confirmSeq = 0 }
        if !m.nowait { send(.confirmSelectOk(.init())) }
    }

    /// Records the confirm of the publish just handled. Acks are coalesced: consecutive acks
    /// go out as one `basic.ack(last, multiple=1)` when the connection finishes the input it
    /// was given (`flushConfirms`), or before a nack, so order between them is kept.
    func confirm(rejected: Bool, needsLog: Bool = false) {
        let seq = confirmSeq! + 1
        confirmSeq = seq
        if needsLog || !deferredConfirms.isEmpty {
            // Later confirms queue behind a deferred one: acks stay in order and a
            // multiple=1 ack never covers a publish that is not durable yet.
            deferredConfirms.append(
                DeferredConfirm(seq: seq, rejected: rejected, needsLog: needsLog, end: needsLog ? Int64.max : 0))
            connection.frontEnd.confirmWaiters[ObjectIdentifier(self)] = self
            if needsLog { connection.frontEnd.confirmsAwaitLog = true }
            return
        }
        if rejected {
            flushConfirms()
            send(.basicNack(.init(deliveryTag: seq, multiple: false, requeue: false)))
            confirmSent = seq
        } else {
            confirmPending = seq
        }
    }

    /// Sends the pending run of acks, if any.
    package func flushConfirms() {
        guard confirmPending > confirmSent else { return }
        let multiple = confirmPending - confirmSent > 1
        send(.basicAck(.init(deliveryTag: confirmPending, multiple: multiple)))
        confirmSent = confirmPending
    }
}

/// One publisher confirm waiting for the log: `end` is the log offset its record ends at
/// (Int64.max until the log has taken the record; 0 when it needs no record).
struct DeferredConfirm {
    let seq: UInt64
    let rejected: Bool
    let needsLog: Bool
    var end: Int64
}

extension ChannelSession {
    /// The log has taken every record made so far; they end at `end`.
    func logAppended(end: Int64) {
        for i in deferredConfirms.indices where deferredConfirms[i].end == Int64.max { deferredConfirms[i].end = end }
    }

    /// Sends, in order, the deferred confirms whose records are durable (`failed`: the log
    /// could not write them, so those publishes are nacked). Returns whether any still wait.
    func releaseDeferredConfirms(durable: Int64, failed: Bool) -> Bool {
        flushConfirms()
        var n = 0
        while n < deferredConfirms.count {
            let c = deferredConfirms[n]
            if !failed && c.end > durable { break }
            let nack = c.rejected || (failed && c.needsLog)
            if nack {
                flushConfirms()
                send(.basicNack(.init(deliveryTag: c.seq, multiple: false, requeue: false)))
                confirmSent = c.seq
            } else {
                confirmPending = c.seq
            }
            n += 1
        }
        deferredConfirms.removeFirst(n)
        flushConfirms()
        return !deferredConfirms.isEmpty
    }
}

extension ConnectionSession {
    /// End of an input batch: every channel sends its coalesced publisher confirms.
    func flushConfirms() { for c in channels.values where c.confirmPending > c.confirmSent { c.flushConfirms() } }
}
