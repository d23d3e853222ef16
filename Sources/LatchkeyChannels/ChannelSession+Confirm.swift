// confirm.select and publisher confirms: once selected, every publish on the channel gets the
// next sequence number and is answered with basic.ack (routed, or unroutable after its
// basic.return) or basic.nack (refused by x-overflow reject-publish).
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
    func confirm(rejected: Bool) {
        let seq = confirmSeq! + 1
        confirmSeq = seq
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

extension ConnectionSession {
    /// End of an input batch: every channel sends its coalesced publisher confirms.
    func flushConfirms() {
        for slot in channels.values where slot.session.confirmPending > slot.session.confirmSent {
            slot.session.flushConfirms()
        }
    }
}
