// Makes the AMQP front end a log participant: broker records (durable queues, exchanges,
// bindings, persistent messages and their settles) replay through LatchkeyChannels'
// BrokerReplay between begin/finish, and a rewrite frames the broker's durable state.
import LatchkeyChannels
import LatchkeyCore
import LatchkeyLog

extension AMQPFrontEnd: LogParticipant {
    /// The broker's records: types 16-24.
    public var logRecordTypes: [RecordType] {
        [
            .queueDeclared, .queueDeleted, .queuePurged, .exchangeDeclared, .exchangeDeleted, .bound, .unbound,
            .messageEnqueued, .messageSettled,
        ]
    }

    public func beginLogReplay() { BrokerReplay.begin(broker) }

    public func replayLogRecord(_ record: LogRecord) { BrokerReplay.apply(record, to: broker) }

    public func finishLogReplay() { BrokerReplay.finish(broker) }

    public func writeLogSnapshot(into out: inout [UInt8], nowMs: Int64) {
        BrokerReplay.writeSnapshot(broker, into: &out)
    }
}

/// Publisher confirms of logged publishes (persistent messages on durable queues) wait in their
/// channels for the log, not in the held output: the log tells the AMQP front end how far it
/// has written and fsynced, and that it failed.
extension Persistence {
    var amqp: AMQPFrontEnd? { participants.values.lazy.compactMap { $0 as? AMQPFrontEnd }.first }

    /// After `writer.append`: the records end at `end`. Confirms waiting for them ask for an
    /// fsync now (under `everysec`); under `no` nothing is waited for.
    func amqpAppended(end: Int64) {
        guard let amqp else { return }
        amqp.logAppended(end: end)
        if amqp.takeSyncRequest() {
            if writer.policy == .no { amqp.logDurable(end) } else if end > writer.durable { writer.requestSync() }
        }
    }

    /// After `hold.release`: the confirms whose records are now durable go out.
    func amqpDurable() { amqp?.logDurable(writer.durable) }

    /// The log just failed: release what AMQP connections had held (heartbeats and replies must
    /// not wait for the disk) and nack every confirm still waiting for a record.
    func amqpLogFailed() {
        guard let amqp else { return }
        hold.releaseRegardless { ($0.writer as? ClientConnection)?.info.kind == .amqp }
        amqp.logFailed()
        server.context.flushQueue.drain()
    }
}
