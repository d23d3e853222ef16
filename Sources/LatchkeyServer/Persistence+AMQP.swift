// Makes the AMQP front end a log participant: broker records (durable queues, exchanges,
// bindings, persistent messages and their settles) replay through LatchkeyChannels'
// BrokerReplay between begin/finish, and a rewrite frames the broker's durable state.
import LatchkeyChannels
import LatchkeyCore
import LatchkeyLog

extension AMQPFrontEnd: LogParticipant {
    public func handlesLogRecord(_ type: RecordType) -> Bool { type.isBroker }

    public func beginLogReplay() { BrokerReplay.begin(broker) }

    public func replayLogRecord(_ record: LogRecord) { BrokerReplay.apply(record, to: broker) }

    public func finishLogReplay() { BrokerReplay.finish(broker) }

    public func writeLogSnapshot(into out: inout [UInt8], nowMs: Int64) {
        for record in BrokerReplay.snapshot(broker) { RecordCodec.encode(record, into: &out) }
    }
}
