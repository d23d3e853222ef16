import LatchkeyCommands
import LatchkeyCore
import LatchkeyLoop

// The busy-script pump. A Lua script runs on the loop thread, so while it runs libuv cannot turn
// (uv_run is not re-entrant); past busy-reply-threshold the script's count hook calls
// `pumpWhileBusy()` here, as Redis serves clients from inside a slow script. It polls the
// listeners and clients of the front ends that serve while a script is busy (RESP's) with a
// zero-timeout poll(), accepts, reads what arrived, lets each session answer (the dispatcher
// refuses all but SCRIPT KILL, SHUTDOWN NOSAVE and a few connection commands with -BUSY) and
// writes those replies at once. Never run here: cron, timers, expiry, AMQP connections, log
// writes, and the client whose script is running.
#if canImport(Glibc)
import Glibc
#endif

/// What the busy pump keeps between calls (buffers are reused: one call per ~100k Lua
/// instructions).
struct BusyPumpState {
    /// True while `pumpWhileBusy` runs (SHUTDOWN from a pumped client then aborts the script).
    var active = false
    /// The scripting layer of the RESP front end.
    var scripting: ScriptRunner?
    var fds: [pollfd] = []
    var clients: [ClientConnection] = []
    /// The client whose script is running (inside its session's receive as the pump starts).
    weak var scriptClient: ClientConnection?
    /// The run the slow-script warning was last logged for.
    var warnedRun: Int64 = 0
}

extension Server {
    /// Lets `scripting` call back into the server while a script is busy. Called once by Boot.
    public func installBusyPump(_ scripting: ScriptRunner) {
        busyPump.scripting = scripting
        scripting.busyPump = { [unowned self] in self.pumpWhileBusy() }
    }

    /// One round: accept, read and answer whatever is ready now, without waiting.
    func pumpWhileBusy() {
        guard !busyPump.active, !shuttingDown else { return }
        busyPump.active = true
        defer { busyPump.active = false }
        noteSlowScript()

        var fds = busyPump.fds
        var clients = busyPump.clients
        fds.removeAll(keepingCapacity: true)
        clients.removeAll(keepingCapacity: true)
        let kinds = frontEnds.filter { $0.value.servesWhileScriptBusy }.map(\.key)
        let pumpedListeners = kinds.flatMap { kind in (listeners[kind] ?? []).map { (kind, $0) } }
        for (_, listener) in pumpedListeners {
            fds.append(pollfd(fd: listener.fileDescriptor, events: Int16(POLLIN), revents: 0))
        }
        busyPump.scriptClient = nil
        for client in connections.values where client.receiving && kinds.contains(client.info.kind) {
            busyPump.scriptClient = client
        }
        writeEarlierReplies(kinds)
        for client in connections.values {
            guard kinds.contains(client.info.kind), mayPump(client) else { continue }
            let fd = client.connection.fileDescriptor
            if fd < 0 { continue }
            fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            clients.append(client)
        }
        let ready = poll(&fds, nfds_t(fds.count), 0)
        if ready > 0 {
            // New connections first (an operator typically opens one to send SCRIPT KILL); they
            // are read from the next round on.
            for (i, (kind, listener)) in pumpedListeners.enumerated() where fds[i].revents != 0 {
                var accepted = 0
                while accepted < 64, let connection = listener.acceptNow() {
                    accept(connection, kind: kind)
                    accepted += 1
                }
            }
            for (j, client) in clients.enumerated() where fds[pumpedListeners.count + j].revents != 0 {
                if client.closed { continue }
                client.connection.readNow()
                // Only pump output leaves here: clients with earlier unwritten or held output
                // were not polled (see mayPump), so nothing overtakes the log.
                if !client.closed { client.flushOutbox() }
            }
        }
        busyPump.fds = fds
        clients.removeAll(keepingCapacity: true)
        busyPump.clients = clients
    }

    /// Replies produced before the script started, in the same loop turn, still wait for the
    /// before-sleep flush; Redis writes them from inside the script, and so do we when the log
    /// has nothing unwritten they could depend on. Otherwise (the script itself has written,
    /// or earlier commands of that turn did) they wait for the script to end, and their
    /// clients are not served from inside it.
    private func writeEarlierReplies(_ kinds: [ClientProtocol]) {
        if persistence?.journal.hasPending ?? false { return }
        for client in connections.values
        where kinds.contains(client.info.kind) && client !== busyPump.scriptClient && !client.closed
            && (!client.info.outbox.bytes.isEmpty || client.info.outbox.closeAfterFlush)
            && !(persistence?.hold.isHolding(client.info.outbox) ?? false)
        { client.flushOutbox() }
    }

    /// A client that is not the script's own, is reading, and has no reply still waiting
    /// for the before-sleep flush or for the log (a -BUSY must not overtake those).
    private func mayPump(_ client: ClientConnection) -> Bool {
        !client.receiving && !client.closed && client.connection.isReading
            && client.info.outbox.bytes.isEmpty && !(persistence?.hold.isHolding(client.info.outbox) ?? false)
    }

    /// SHUTDOWN NOSAVE from a pumped client: the script stops at its next hook check (even if it
    /// wrote), its caller is closed without a reply and runs nothing it pipelined behind it.
    func abortBusyScript() {
        busyPump.scripting?.abortForShutdown()
        if let running = busyPump.scriptClient {
            abandonedScriptClient = running
            running.info.outbox.closeAfterFlush = true
        }
    }

    /// Redis's warning, once per slow script.
    private func noteSlowScript() {
        guard let interpreter = busyPump.scripting?.interpreter else { return }
        guard interpreter.runStartMicros != busyPump.warnedRun else { return }
        busyPump.warnedRun = interpreter.runStartMicros
        log.warning(
            "Slow script detected: still in execution after \(interpreter.runningMs) milliseconds. You can try killing the script using the SCRIPT KILL command. Script name is: \(interpreter.runningScriptName)."
        )
    }
}
