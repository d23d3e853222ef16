import LatchkeyCommands
import LatchkeyCore
import LatchkeyLog
import LatchkeyRESP
// A miniredis-style transcript driver: a CommandEngine with a manual clock and one in-process
// RESPSession (no sockets). `t.send(...)` encodes a multibulk request, feeds it to the session
// and parses the reply bytes it left in the outbox. Shared by the command and server tests.
import Testing

public final class Transcript {
    public let clock: ManualClock
    public let context: ServerContext
    public let journal: Journal
    public let engine: CommandEngine
    public let info: ClientInfo
    public let session: RESPSession

    public init(config: Config = Config(), journal: Bool = true) {
        clock = ManualClock(now: 1_700_000_000_000)
        context = ServerContext(config: config, clock: clock)
        self.journal = Journal(enabled: journal)
        engine = CommandEngine(context: context, journal: self.journal)
        (info, session) = Transcript.connect(engine, context)
    }

    public static func connect(_ engine: CommandEngine, _ context: ServerContext) -> (ClientInfo, RESPSession) {
        let info = ClientInfo(
            id: context.allocateClientID(), kind: .resp, peerAddress: "127.0.0.1:50000", localAddress: "127.0.0.1:6379",
            isLoopback: true, outbox: Outbox(queue: context.flushQueue), nowMs: context.nowMs)
        context.clients[info.id] = info
        let s = engine.makeSession(client: info) as! RESPSession
        return (info, s)
    }

    public static func encode(_ args: [String]) -> Bytes {
        var out = Bytes("*\(args.count)\r\n".utf8)
        for a in args {
            let b = Bytes(a.utf8)
            out += Bytes("$\(b.count)\r\n".utf8) + b + [13, 10]
        }
        return out
    }

    /// Feeds raw bytes; returns every reply produced.
    public func raw(_ bytes: Bytes, session: RESPSession? = nil, unconsumed: Int = 0) -> [RESPValue] {
        let s = session ?? self.session
        context.refreshNow()
        let consumed = bytes.withUnsafeBytes { s.receive($0) }
        #expect(consumed == bytes.count - unconsumed)
        let out = s.client.info.outbox.bytes
        s.client.info.outbox.bytes.removeAll()
        return (try? RESPReplyParser.parseAll(out)) ?? [.err("UNPARSEABLE " + out.string)]
    }

    /// Sends one command; returns its single reply.
    @discardableResult public func send(_ args: String...) -> RESPValue {
        let replies = raw(Transcript.encode(args))
        return replies.count == 1 ? replies[0] : .array(replies)
    }

    public func send(_ args: [String], on session: RESPSession) -> RESPValue {
        let replies = raw(Transcript.encode(args), session: session)
        return replies.count == 1 ? replies[0] : .array(replies)
    }

    public func advance(ms: Int64) { clock.advance(ms: ms) }
}
