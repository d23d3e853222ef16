// The integration seam: which front ends serve the RESP and AMQP listeners (CommandEngine from
// LatchkeyCommands, AMQPFrontEnd from LatchkeyChannels), and the order of boot: front ends are
// built, the append-only log is replayed into them, then the server starts listening.
// The AMQP listener opens unless `amqp-port` is `off`. LATCHKEY's clock and reset hooks
// reach the broker from here.
import LatchkeyChannels
import LatchkeyCommands
import LatchkeyCore
import LatchkeyLog
import LatchkeyManagement

/// Builds a server with its front ends; the one place integration changes.
public enum Boot {
    /// The front ends for one server: RESP commands and the AMQP broker, sharing one journal.
    public static func makeFrontEnds(
        context: ServerContext, journal: Journal = Journal(enabled: false)
    ) -> (resp: CommandEngine, amqp: AMQPFrontEnd) {
        (
            resp: CommandEngine(context: context, journal: journal),
            amqp: AMQPFrontEnd(context: context, journal: journal)
        )
    }

    /// A server with its front ends attached, ready for `start()`.
    public static func makeServer(config: Config, clock: Clock = SystemClock()) throws -> Server {
        let server = try Server(config: config, clock: clock)
        let journal = Journal(enabled: false)
        let (engine, amqp) = makeFrontEnds(context: server.context, journal: journal)
        server.addFrontEnd(engine, kind: .resp)
        server.installBusyPump(engine.scripting)
        server.addFrontEnd(amqp, kind: .amqp)
        // LATCHKEY CLOCK / RESET (TestCommands.swift): TTLs and x-expires catch up at once;
        // RESET deletes what clients declared.
        server.context.clockMovedHooks.append { [unowned amqp] in amqp.broker.cron() }
        server.context.resetHooks.append { [unowned amqp] in amqp.broker.resetForTests() }
        // Management HTTP: reads the broker and the keyspace only when asked.
        let management = ManagementFrontEnd(context: server.context, amqp: amqp, keyspace: engine.keyspace)
        management.listeners = { [unowned server] in
            server.boundListeners.map { ListenerInfo(protocolName: $0.protocolName, ip: $0.host, port: $0.port) }
        }
        server.addFrontEnd(management, kind: .http)
        // Append-only log: replay into both front ends (each is a LogParticipant), then journal.
        _ = try Persistence.boot(server: server, journal: journal, participants: [.resp: engine, .amqp: amqp])
        return server
    }
}
