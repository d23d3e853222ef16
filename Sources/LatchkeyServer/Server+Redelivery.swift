// Input redelivery: a session that stopped consuming input (a client blocked in BLPOP & co.
// leaves the commands it pipelined behind unread) asks, through its outbox, for those bytes to be
// offered again once it can take them. That happens from a 0 ms timer on the next loop
// iteration, never from inside the flush that noticed the request, so the commands run in a
// normal phase of the loop and their log records are written before their replies, as always.
import LatchkeyCore
import LatchkeyLoop

extension Server {
    /// Offers `client`'s buffered input again on the next loop iteration.
    func scheduleRedelivery(_ client: ClientConnection) {
        if shuttingDown { return }
        redeliveries.append(client)
        if redeliveryTimer == nil {
            redeliveryTimer = try? LoopTimer(loop: loop) { [unowned self] in self.redeliverInput() }
        }
        redeliveryTimer?.start(afterMs: 0, repeatMs: 0)
    }

    private func redeliverInput() {
        let due = redeliveries
        redeliveries = []
        for client in due where !client.closed { client.connection.redeliverBuffered() }
    }
}
