import LatchkeyCore
import LatchkeyLoop

// The server's life on the loop: cron at `hz` (front-end cron, idle timeouts, limit refresh),
// the before-sleep flush (log hooks first, then every dirty outbox), graceful shutdown on
// SIGINT/SIGTERM or SHUTDOWN, and running the loop on a background thread for in-process tests.
#if canImport(Glibc)
import Glibc
#endif

extension Server {
    func installLoopHooks() throws(UVError) {
        let timer = try LoopTimer(loop: loop) { [unowned self] in self.cron() }
        cronTimer = timer
        applyHz()
        beforeSleep = try BeforeSleep(loop: loop) { [unowned self] in self.flushBeforeSleep() }
        // The waker's only job is shutdown: requested on the loop (SHUTDOWN, signals) or from
        // another thread (tests), it runs at a safe point of the next loop iteration.
        waker = try LoopWaker(loop: loop) { [unowned self] in self.performShutdown() }
        if handlesSignals {
            for sig in [SIGINT, SIGTERM] {
                signalWatchers.append(
                    try SignalWatcher(loop: loop, signal: sig) { [unowned self] signum in
                        self.log.warning("Received \(signum == SIGINT ? "SIGINT" : "SIGTERM") scheduling shutdown...")
                        self.requestShutdown(save: false)
                    })
            }
        }
    }

    /// Blocks running the loop until shutdown has closed every handle.
    public func run() {
        let context = self.context
        loop.run(spinMicros: context.config.int(.busyPollUsecs), activity: { context.stats.totalNetInputBytes })
        log.warning("Latchkey is now ready to exit, bye bye...")
    }

    // MARK: cron and before-sleep

    func cron() {
        context.refreshNow()
        cronTicks &+= 1
        for frontEnd in frontEnds.values { frontEnd.cron() }
        closeIdleClients()
        if cronTicks % UInt64(cronHz) == 0 {  // once a second
            limits = ConnectionLimits(config: context.config)
            log.minimum = ServerLog.minimum(for: context.config.string(.loglevel))  // CONFIG SET loglevel
            if context.config.int(.hz) != cronHz { applyHz() }  // CONFIG SET hz
        }
    }

    /// (Re)starts the cron timer at the configured `hz`.
    private func applyHz() {
        cronHz = max(1, context.config.int(.hz))
        let period = UInt64(max(1, 1000 / cronHz))
        cronTimer?.start(afterMs: period, repeatMs: period)
    }

    /// `timeout`: closes clients idle longer than that many seconds (0 = never). A scan of all
    /// clients each tick costs well under a millisecond even with 10,000 of them.
    private func closeIdleClients() {
        let timeout = context.config.int(.timeout)
        guard timeout > 0 else { return }
        let deadline = context.nowMs - timeout * 1000
        var idle: [ClientConnection] = []
        for client in connections.values
        where !client.info.exemptFromIdleTimeout && client.info.lastInteractionMs < deadline { idle.append(client) }
        for client in idle {
            log.verbose("Closing idle client id=\(client.info.id)")
            client.close()
        }
    }

    /// Before the loop sleeps: let the log write its records, then write every dirty outbox.
    func flushBeforeSleep() {
        persistence?.beforeFlush()
        context.flushQueue.drain()
    }

    // MARK: shutdown

    /// SHUTDOWN / SIGTERM / SIGINT. Safe to call from inside a session's `receive` (SHUTDOWN):
    /// the work runs from the loop a moment later, never under the caller's feet.
    public func requestShutdown(save: Bool) {
        // From the busy pump (SHUTDOWN NOSAVE during a script): stop the script first, or the
        // loop never gets back to the waker.
        if busyPump.active { abortBusyScript() }
        waker?.wake()
    }

    /// Stop accepting, run shutdown hooks, flush pending output, close every client, then let
    /// the loop end. Clients whose output cannot drain within two seconds are closed anyway, as
    /// are those of front ends that close their own clients and have not closed by then.
    func performShutdown() {
        if shuttingDown { return }
        shuttingDown = true
        log.warning("User requested shutdown...")
        closeListeners()
        persistence?.beforeFlush()
        // Front ends first (AMQP's requeues are records), then the log's final write and fsync.
        for frontEnd in frontEnds.values { frontEnd.shutdown() }
        persistence?.shutdown()
        for hook in shutdownHooks { hook() }
        let closingThemselves = Set(frontEnds.filter { $0.value.closesClientsAtShutdown }.map(\.key))
        for client in Array(connections.values) {
            if !closingThemselves.contains(client.info.kind) { client.info.outbox.closeAfterFlush = true }
            client.info.outbox.markDirty()
        }
        context.flushQueue.drain()
        for client in Array(connections.values)
        where !client.connection.isWriting && !closingThemselves.contains(client.info.kind) { client.close() }
        if connections.isEmpty {
            finishShutdown()
        } else if let timer = try? LoopTimer(
            loop: loop,
            callback: { [unowned self] in
                for client in Array(self.connections.values) { client.close() }
                self.finishShutdown()
            })
        {
            timer.start(afterMs: 2000, repeatMs: 0)
            graceTimer = timer
        } else {
            for client in Array(connections.values) { client.close() }
        }
    }

    /// Closes the server's own handles; the loop returns once the last one is closed.
    func finishShutdown() {
        if cronTimer == nil { return }
        cronTimer?.close()
        beforeSleep?.close()
        waker?.close()
        graceTimer?.close()
        redeliveryTimer?.close()
        redeliveryTimer = nil
        signalWatchers.forEach { $0.close() }
        signalWatchers = []
        cronTimer = nil
        log.notice("Latchkey is shutting down")
    }

    /// BGREWRITEAOF: delegated to the log wiring.
    public func requestLogRewrite() -> String? {
        guard let persistence else { return "ERR Append only file rewrite is not available" }
        return persistence.requestRewrite()
    }

    // MARK: background running (tests)

    /// Thread-safe: asks the loop to shut down gracefully (as SIGTERM would).
    public func stopFromAnyThread() { waker?.wake() }

    /// Runs the loop on a new thread (after `start()`); `join()` waits for it to end.
    public func runInBackground() -> ServerThread { ServerThread(server: self) }
}

/// A server loop running on its own pthread, for in-process tests.
public final class ServerThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let server: Server

    init(server: Server) {
        self.server = server
        let box = Unmanaged.passRetained(server).toOpaque()
        pthread_create(
            &thread, nil,
            { arg in
                let server = Unmanaged<Server>.fromOpaque(arg!).takeRetainedValue()
                server.run()
                return nil
            }, box)
    }

    /// Shuts the server down gracefully and waits for its loop thread to end.
    public func stop() {
        server.stopFromAnyThread()
        pthread_join(thread, nil)
    }
}
