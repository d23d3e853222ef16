// Delivery backpressure: when a connection's unsent output passes a high-water mark the
// channel stops taking deliveries (the broker skips its consumers), and resumes below the
// low-water mark — as soon as the socket has drained (ProtocolSession.outputDrained, called by
// the server's write-completion path), with cron as the fallback. Other connections keep flowing.
import LatchkeyBroker
import LatchkeyCore

extension ChannelSession {
    /// Deliveries stop while the connection's unsent output is above this (a slow consumer's
    /// socket holds back its own deliveries only), and resume below the low-water mark.
    static let outboxHighWater = 4 << 20
    static let outboxLowWater = 1 << 20

    /// Resumes deliveries paused for a full outbox once the socket has drained (called on
    /// drain and from cron).
    package func resumeIfDrained() {
        guard delivery.paused, !closed, connection.client.outbox.bytes.count < ChannelSession.outboxLowWater else {
            return
        }
        delivery.paused = false
        broker.resume(delivery)
    }
}

extension ConnectionSession {
    /// The socket took all our output: channels paused for a full outbox resume now rather
    /// than on the next cron (a consumer that stopped reading gets its deliveries as soon as
    /// it reads again).
    package func outputDrained() {
        guard deliveriesPaused, phase == .running else { return }
        deliveriesPaused = false
        context.refreshNow()  // outside a read: the broker's TTL checks need this tick's time
        resumeDrainedChannels()
    }

    /// Cron: channels whose deliveries were paused for a full outbox resume once it drained.
    func resumeDrainedChannels() {
        for c in channels.values where c.delivery.paused && c.state == .open { c.resumeIfDrained() }
    }
}
