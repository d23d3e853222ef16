// connection.blocked / unblocked: when the bytes of queued messages cross
// amqp-queued-memory-limit every connection that advertised the `connection.blocked`
// capability is told it is blocked, and unblocked once usage falls below 90% of the limit.
// As RabbitMQ does, a connection that publishes while the alarm is on is not read any further
// (after the input in hand) until the alarm clears, whether or not it heeds connection.blocked.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

/// Watches the broker's queued bytes against the configured limit.
package final class MemoryAlarm {
    let broker: Broker
    /// amqp-queued-memory-limit in bytes (0 = never block).
    package var limit: Int
    /// Whether queued bytes are over the limit (until they fall below 90% of it).
    package private(set) var isBlocked = false
    /// Who to notify (the front end's live sessions).
    let sessions: () -> [ConnectionSession]

    package init(broker: Broker, limit: Int, sessions: @escaping () -> [ConnectionSession]) {
        self.broker = broker
        self.limit = limit
        self.sessions = sessions
    }

    /// Connections told they are blocked (so exactly those get `unblocked`).
    private var notified: Set<UInt64> = []
    /// Connections the disk alarm holds blocked: not unblocked here (DiskAlarm.swift).
    package var heldElsewhere: (UInt64) -> Bool = { _ in false }

    /// Whether `session` has been told it is blocked for memory.
    package func hasNotified(_ id: UInt64) -> Bool { notified.contains(id) }

    /// Called after publishes, acks and from cron: two integer compares unless the state flips.
    @inline(__always) package func check() {
        guard limit > 0 else { return }
        if !isBlocked {
            if broker.queuedBytes > limit { flip(true) }
        } else if broker.queuedBytes < limit - limit / 10 {
            flip(false)
        }
    }

    /// After a publish on `session`: a connection that appeared after the alarm went off is
    /// told too (RabbitMQ blocks connections as they publish).
    @inline(__always) package func check(publisher session: ConnectionSession) {
        check()
        guard isBlocked else { return }
        if !notified.contains(session.id) { notify(session) }
        if !session.client.inputBlocked {
            session.client.inputBlocked = true
            throttled.insert(session.id)
        }
    }

    /// Publishers whose socket is not read until the alarm clears.
    private var throttled: Set<UInt64> = []

    private func notify(_ s: ConnectionSession) {
        guard s.isRunning && s.clientCapability("connection.blocked") else { return }
        notified.insert(s.id)
        s.sendBlocked(true)
    }

    private func flip(_ blocked: Bool) {
        isBlocked = blocked
        if blocked {
            for s in sessions() { notify(s) }
        } else {
            for s in sessions() where notified.contains(s.id) && s.isRunning && !heldElsewhere(s.id) {
                s.sendBlocked(false)
            }
            notified.removeAll()
            for s in sessions() where throttled.contains(s.id) { s.client.inputBlocked = false }
            throttled.removeAll()
        }
    }
}

extension ConnectionSession {
    /// connection.blocked("low on memory") or connection.unblocked.
    func sendBlocked(_ blocked: Bool) {
        if blocked {
            send(.connectionBlocked(.init(reason: Bytes("low on memory".utf8))), channel: 0)
        } else {
            send(.connectionUnblocked(.init()), channel: 0)
        }
    }
}
