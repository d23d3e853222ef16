// Disk trouble (issue 5): while the append-only log cannot be written (`context.persistence.
// writeFailure`, what RESP reports as MISCONF), a persistent message bound for a durable queue
// cannot be made safe, so it is refused. RabbitMQ blocks publishers on a disk alarm and nacks
// confirms it cannot honour: a confirm channel gets basic.nack; any other publisher's message
// is dropped and its connection told connection.blocked("disk write failed"), then
// connection.unblocked once the disk recovers (checked from cron). Reads, acks and transient or
// non-durable publishes keep working. The memory alarm is MemoryAlarm.swift.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore

/// Watches the log's write status for the AMQP front end.
package final class DiskAlarm {
    let context: ServerContext
    let sessions: () -> [ConnectionSession]
    /// Connections told `connection.blocked("disk write failed")`.
    private var notified: Set<UInt64> = []

    package init(context: ServerContext, sessions: @escaping () -> [ConnectionSession]) {
        self.context = context
        self.sessions = sessions
    }

    /// Whether the log cannot be written now.
    @inline(__always) package var isFailing: Bool { context.persistence.writeFailure != nil }

    /// Whether `session` has been told it is blocked for the disk.
    package func hasNotified(_ id: UInt64) -> Bool { notified.contains(id) }

    /// A publish from `session` was refused: tell its connection it is blocked (once).
    func refused(publisher session: ConnectionSession) {
        guard !notified.contains(session.id), session.isRunning, session.clientCapability("connection.blocked") else {
            return
        }
        notified.insert(session.id)
        session.send(.connectionBlocked(.init(reason: Bytes("disk write failed".utf8))), channel: 0)
    }

    /// From cron: once the disk is back, unblock the connections told about it (unless the
    /// memory alarm still holds them).
    package func check(memoryAlarm: MemoryAlarm) {
        guard !notified.isEmpty, !isFailing else { return }
        for s in sessions() where notified.contains(s.id) && s.isRunning && !memoryAlarm.hasNotified(s.id) {
            s.sendBlocked(false)
        }
        notified.removeAll()
    }
}
