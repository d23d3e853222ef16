// Delivery backpressure: when a connection's unsent output passes a high-water mark the
// channel stops taking deliveries (the broker skips its consumers), and resumes below the
// low-water mark — checked before each method and from cron. Other connections keep flowing.
import LatchkeyBroker
import LatchkeyCore

extension ChannelSession {
    /// Deliveries stop while the connection's unsent output is above this (a slow consumer's
    /// socket holds back its own deliveries only), and resume below the low-water mark.
    static let outboxHighWater = 4 << 20
    static let outboxLowWater = 1 << 20

    /// Resumes deliveries paused for a full outbox once the socket has drained (called from
    /// cron and before each method).
    package func resumeIfDrained() {
        guard delivery.paused, !closed, connection.client.outbox.bytes.count < ChannelSession.outboxLowWater else {
            return
        }
        delivery.paused = false
        broker.resume(delivery)
    }
}

extension ConnectionSession {
    /// Cron: channels whose deliveries were paused for a full outbox resume once it drained.
    func resumeDrainedChannels() {
        for c in channels.values where c.delivery.paused && c.state == .open { c.resumeIfDrained() }
    }
}
