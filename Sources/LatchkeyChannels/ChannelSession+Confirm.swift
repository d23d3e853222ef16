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

    /// Confirms the publish just handled. Each confirm is sent at once (multiple=false): the log
    /// is flushed before any reply leaves, so an ack never overtakes the write it confirms.
    func confirm(rejected: Bool) {
        let seq = confirmSeq! + 1
        confirmSeq = seq
        if rejected {
            send(.basicNack(.init(deliveryTag: seq, multiple: false, requeue: false)))
        } else {
            send(.basicAck(.init(deliveryTag: seq, multiple: false)))
        }
    }
}
