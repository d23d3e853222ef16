// Glue between one TCPConnection (LatchkeyLoop) and one ProtocolSession (a front end): reads go to
// the session, the session's Outbox is written through this object, and the connection-level
// limits live here — query buffer, output soft limit (stop reading) and hard limit (close).
// What the bytes mean is the session's business; when to flush is the server's before-sleep.
import LatchkeyCore
import LatchkeyLoop

/// Limits read from the configuration (refreshed by cron so CONFIG SET takes effect).
struct ConnectionLimits {
    var queryBuffer = Int.max
    var outputSoft = Int.max
    var outputHard = Int.max

    init() {}

    init(config: Config) {
        queryBuffer = Int(config.int(.clientQueryBufferLimit))
        outputSoft = ConnectionLimits.unlimitedIfZero(config.int(.clientOutputBufferSoftLimit))
        outputHard = ConnectionLimits.unlimitedIfZero(config.int(.clientOutputBufferHardLimit))
    }

    /// Redis's convention: a limit of 0 means no limit.
    static func unlimitedIfZero(_ v: Int64) -> Int { v == 0 ? Int.max : Int(v) }
}

/// One client's connection.
final class ClientConnection: TCPConnectionDelegate, OutboxWriter {
    /// The server outlives every ClientConnection it holds (it drops them as they close), so
    /// the reference needs no per-access reference counting.
    unowned(unsafe) let server: Server
    let connection: TCPConnection
    let info: ClientInfo
    @exclusivity(unchecked) var session: ProtocolSession?
    @exclusivity(unchecked) private(set) var closed = false
    /// Reading is paused because pending output passed the soft limit.
    @exclusivity(unchecked) private var pausedForOutput = false
    /// True while the session is inside `receive` (the busy-script pump skips this client:
    /// its script is what is running).
    @exclusivity(unchecked) private(set) var receiving = false
    /// Bytes the session left unconsumed after the previous read (to count new input).
    @exclusivity(unchecked) private var unconsumed = 0

    init(server: Server, connection: TCPConnection, info: ClientInfo) {
        self.server = server
        self.connection = connection
        self.info = info
        info.resumeInput = { [weak self] in
            guard let self, !self.closed, !self.pausedForOutput, !info.outbox.closeAfterFlush else { return }
            self.connection.startReading()
        }
    }

    // MARK: reading

    func connection(_ connection: TCPConnection, received bytes: UnsafeRawBufferPointer) -> Int {
        guard !closed, let session else { return 0 }
        let context = server.context
        context.refreshNow()
        info.lastInteractionMs = context.nowMs
        context.stats.totalNetInputBytes &+= UInt64(bytes.count - unconsumed)
        let hard = server.limits.outputHard
        info.outbox.outputBudget = hard == Int.max ? Int.max : hard - connection.queuedWriteBytes
        context.stats.totalReadsProcessed &+= 1
        receiving = true
        let used = session.receive(bytes)
        receiving = false
        unconsumed = bytes.count - used
        if closed { return used }
        if pendingOutput > hard {
            // The pipeline stopped at the command that passed the limit; free its output now
            // rather than after the next flush.
            server.log.warning(
                "Client id=\(info.id) addr=\(info.peerAddress) closed for overcoming of output buffer limits.")
            close()
            return used
        }
        // SHUTDOWN NOSAVE stopped this client's script: like Redis, which exits from inside the
        // script, it gets no reply, only the close.
        if server.abandonedScriptClient === self {
            info.outbox.bytes.removeAll()
            close()
            return used
        }
        if unconsumed > server.limits.queryBuffer {
            server.log.warning(
                "Closing client that reached max query buffer length: id=\(info.id) addr=\(info.peerAddress) (qbuf initial bytes: \(unconsumed))"
            )
            close()
            return used
        }
        // A client that asked to be closed (QUIT, protocol error) is not read any further, nor
        // one its session blocked (AMQP memory alarm) until the session unblocks it.
        if info.outbox.closeAfterFlush || info.inputBlocked { connection.pauseReading() }
        return used
    }

    func connectionDidEnd(_ connection: TCPConnection, error: UVError?) {
        if let error { server.log.verbose("Client id=\(info.id) addr=\(info.peerAddress): \(error)") }
        close()
    }

    func connectionDidDrain(_ connection: TCPConnection) {
        // A flush that writes tells the session itself once the socket took everything; only
        // when there was nothing left to write does the drain have to say so here.
        let hadOutput = !info.outbox.bytes.isEmpty
        flushOutbox()
        if !hadOutput, !closed, !connection.isWriting { session?.outputDrained() }
    }

    func connectionDidClose(_ connection: TCPConnection) {}

    // MARK: writing

    /// Writes the outbox: try-write first, queue the rest. While a queued write is still in
    /// flight new output waits in the outbox (it is written when the queued write drains).
    /// Everything in the outbox may go: replies that must wait for an fsync were moved out of
    /// it by Persistence's OutputHold and are put back only once durable.
    func flushOutbox() {
        if closed { return }
        let outbox = info.outbox
        if outbox.discardAndClose {
            server.log.warning(
                "Client id=\(info.id) addr=\(info.peerAddress) closed for overcoming of output buffer limits (pubsub).")
            outbox.bytes.removeAll()
            close()
            return
        }
        if outbox.wantsInputRedelivery {
            outbox.wantsInputRedelivery = false
            server.scheduleRedelivery(self)
        }
        let count = outbox.bytes.count
        if !connection.isWriting, count > 0 {
            let failed = outbox.bytes.withUnsafeBytes { connection.write($0) }
            if failed != nil {
                close()
                return
            }
            server.context.stats.totalNetOutputBytes &+= UInt64(count)
            server.context.stats.totalWritesProcessed &+= 1
            if outbox.bytes.capacity > 1 << 20 {
                outbox.bytes = []
                outbox.bytes.reserveCapacity(256)
            } else {
                outbox.bytes.removeAll(keepingCapacity: true)
            }
            // The socket took it all at once: no drain callback will come for this write.
            if !connection.isWriting { session?.outputDrained() }
        }
        outbox.transportQueuedBytes = connection.queuedWriteBytes
        if outbox.closeAfterFlush, !connection.isWriting, outbox.bytes.isEmpty {
            close()
            return
        }
        applyOutputLimits()
    }

    /// Pending output = unsent outbox bytes + bytes queued in libuv.
    var pendingOutput: Int { info.outbox.bytes.count + connection.queuedWriteBytes }

    private func applyOutputLimits() {
        let pending = pendingOutput
        let limits = server.limits
        if pending > limits.outputHard {
            server.log.warning(
                "Client id=\(info.id) addr=\(info.peerAddress) closed for overcoming of output buffer limits.")
            close()
        } else if pending > limits.outputSoft {
            if !pausedForOutput {
                pausedForOutput = true
                connection.pauseReading()
            }
        } else if pausedForOutput {
            pausedForOutput = false
            if !info.outbox.closeAfterFlush && !info.inputBlocked { connection.startReading() }
        }
    }

    // MARK: closing

    /// Closes now (queued output is dropped); the session is told and the client unregistered.
    func close() {
        if closed { return }
        closed = true
        info.outbox.isClosed = true
        server.clientDidClose(self)
        session?.connectionClosed()
        session = nil
        connection.close()
    }
}
