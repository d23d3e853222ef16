// The integration seam: which front ends serve the RESP and AMQP listeners (CommandEngine from
// LatchkeyCommands, AMQPFrontEnd from LatchkeyChannels), and the order of boot: front ends are
// built, the append-only log is replayed into them, then the server starts listening.
// The AMQP listener opens only when `amqp-port` is not 0.
import LatchkeyChannels
import LatchkeyCommands
import LatchkeyCore
import LatchkeyLog

/// Builds a server with its front ends; the one place integration changes.
public enum Boot {
    /// The front ends for one server. `amqp` nil means no AMQP listener is opened.
    public static func makeFrontEnds(context: ServerContext, journal: Journal = Journal(enabled: false))
        -> (resp: FrontEnd, amqp: FrontEnd?)
    {
        (resp: CommandEngine(context: context, journal: journal), amqp: AMQPFrontEnd(context: context, journal: journal))
    }

    /// A server with its front ends attached, ready for `start()`.
    public static func makeServer(config: Config, clock: Clock = SystemClock()) throws -> Server {
        let server = try Server(config: config, clock: clock)
        let journal = Journal(enabled: false)
        let frontEnds = makeFrontEnds(context: server.context, journal: journal)
        server.addFrontEnd(frontEnds.resp, kind: .resp)
        if let engine = frontEnds.resp as? CommandEngine { server.installBusyPump(engine.scripting) }
        if let amqp = frontEnds.amqp { server.addFrontEnd(amqp, kind: .amqp) }
        if let amqp = frontEnds.amqp as? AMQPFrontEnd {
            // Before the log's hook (added by Persistence.boot), so requeues are written.
            server.addShutdownHook { amqp.shutdown() }
            server.clientsClosingThemselves.insert(.amqp)
        }
        // Append-only log: replay into every front end that is a LogParticipant, then journal.
        var participants: [ClientProtocol: LogParticipant] = [:]
        participants[.resp] = frontEnds.resp as? LogParticipant
        participants[.amqp] = frontEnds.amqp as? LogParticipant
        _ = try Persistence.boot(server: server, journal: journal, participants: participants)
        return server
    }
}
