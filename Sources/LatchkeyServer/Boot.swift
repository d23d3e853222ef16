// The integration seam: which front ends serve the RESP and AMQP listeners. Today RESP is the
// tiny StandInFrontEnd and AMQP is off; at integration `makeFrontEnds` returns the real
// CommandEngine (LatchkeyCommands) and the AMQP front end (LatchkeyChannels), and log replay
// goes in `makeServer` before the front ends are built.
import LatchkeyCore

public enum Boot {
    /// The front ends for one server. `amqp` nil means no AMQP listener is opened.
    public static func makeFrontEnds(context: ServerContext) -> (resp: FrontEnd, amqp: FrontEnd?) {
        (resp: StandInFrontEnd(context: context), amqp: nil)
    }

    /// A server with its front ends attached, ready for `start()`.
    public static func makeServer(config: Config, clock: Clock = SystemClock()) throws -> Server {
        let server = try Server(config: config, clock: clock)
        let frontEnds = makeFrontEnds(context: server.context)
        server.addFrontEnd(frontEnds.resp, kind: .resp)
        if let amqp = frontEnds.amqp { server.addFrontEnd(amqp, kind: .amqp) }
        return server
    }
}
