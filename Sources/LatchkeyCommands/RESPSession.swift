// One RESP connection: decodes every complete request in the read buffer, runs each through the
// gate, and leaves the replies in the connection's outbox (all replies of one read go out in one
// write). Protocol errors reply `-ERR Protocol error: ...` and close, as Redis does. Output is
// checked against the hard limit after every command, not once per read.
import LatchkeyCore
import LatchkeyRESP

/// The ProtocolSession the server drives for a RESP client.
public final class RESPSession: ProtocolSession {
    unowned let engine: CommandEngine
    public let client: RESPClientState
    let decoder: RESPDecoder
    let writer: ReplyWriter
    let ctx: CommandContext

    init(engine: CommandEngine, client info: ClientInfo) {
        self.engine = engine
        client = RESPClientState(info: info, authenticated: engine.requirePass.isEmpty)
        decoder = RESPDecoder(limits: engine.limits)
        writer = ReplyWriter(protocolVersion: 2, capacity: 0)
        ctx = CommandContext(engine: engine, reply: writer, client: client)
    }

    public func receive(_ input: UnsafeRawBufferPointer) -> Int {
        let outbox = client.info.outbox
        if outbox.isClosed || outbox.closeAfterFlush { return input.count }
        // A blocked client's further input waits, unread, until it is served (as in Redis).
        if client.blocked != nil { return 0 }
        // Replies are appended straight into the outbox's buffer (swapped in, no copy).
        swap(&writer.bytes, &outbox.bytes)
        // Pub/sub pushes to this client now belong in the writer (PubSubHub.deliver).
        client.receivingWriter = writer
        defer {
            client.receivingWriter = nil
            swap(&writer.bytes, &outbox.bytes)
            if !outbox.bytes.isEmpty || outbox.closeAfterFlush { outbox.markDirty() }
        }
        let server = engine.context
        var offset = 0
        while true {
            decoder.authenticated = client.authenticated || engine.requirePass.isEmpty
            switch decoder.next(input, offset: &offset) {
            case .command:
                ctx.argv = decoder.argv
                ctx.nowMs = server.dataNowMs
                engine.dispatch(ctx)
                // Pushes wake blocked clients only now that the whole command (EXEC, EVAL) is done.
                if !engine.blocking.ready.isEmpty { engine.serveReadyLists() }
                if outbox.closeAfterFlush { return input.count }
                // Over the hard output limit: run nothing more of this pipeline (the server
                // closes the client, so the rest of the input is dropped with it).
                if writer.bytes.count > outbox.outputBudget { return input.count }
                if client.blocked != nil { return offset }
            case .needMoreData:
                client.info.lastInteractionMs = server.nowMs
                return offset
            case .protocolError(let text):
                writer.error("ERR " + text)
                outbox.closeAfterFlush = true
                return input.count
            }
        }
    }

    public func connectionClosed() { engine.sessionClosed(self) }
}
