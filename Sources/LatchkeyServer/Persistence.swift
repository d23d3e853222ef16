import LatchkeyCore
import LatchkeyLog
import LatchkeyLoop

// The server's append-only log wiring: boot replay into the participants, the per-tick step
// the server runs before flushing replies (write the tick's records; under `appendfsync always`
// hold the replies until their fsync: group commit), fsync jobs on libuv's thread pool, the
// auto-rewrite check (rewrites are Persistence+Rewrite.swift), INFO persistence, the typed disk
// failure the front ends refuse writes on, fsync at shutdown. The file format, torn-tail rules
// and rewrite phases are LatchkeyLog's; what a record means is the participants'.
#if canImport(Glibc)
import Glibc
#endif

/// The live log of one server. Loop thread only.
public final class Persistence {
    /// The journal every front end appends to (enabled once replay is done).
    public let journal: Journal
    public let writer: LogWriter
    unowned let server: Server
    let hold = OutputHold()
    var timer: LoopTimer?
    var closed = false
    var policyName: String
    var lastFailure: LogWriter.Failure?
    /// `journal.oversizedRecords` as last reported in the server log.
    var reportedOversized = 0
    /// The front ends whose state is in the log. A rewrite is refused unless every front end the
    /// server serves is one, and replay found no records nobody handled (a rewrite would drop
    /// that state from the compacted log).
    public internal(set) var participants: [ClientProtocol: LogParticipant] = [:]
    var unhandledRecords = 0
    /// A streamed rewrite snapshot in progress: each participant with its cursor.
    var snapshotSources: [(participant: LogParticipant, cursor: LogSnapshotCursor)] = []
    var sliceTimer: LoopTimer?
    var snapshotSlices = 0
    var snapshotStartedMicros: Int64 = 0
    var snapshotMaxSliceMicros: Int64 = 0
    /// Knobs read from the environment (documented in docs/configuration.md, "Test and
    /// tuning hooks"): tests and benchmarks use them; a deployment has no reason to.
    let tuning: PersistenceTuning

    /// The log path: `dir`/`appendfilename`.
    public static func path(config: Config) -> String {
        let name = config.string(.appendfilename)
        if name.hasPrefix("/") { return name }
        let dir = config.string(.dir)
        return (dir.hasSuffix("/") ? dir : dir + "/") + name
    }

    /// With `appendonly yes`: replays the log into the participants (records in order, each to
    /// the participant that claims its type), opens it for appending, enables `journal` and
    /// installs the server hooks. Returns nil when the log is off. Throws a start-up error
    /// naming file and offset for a corrupt log.
    public static func boot(
        server: Server, journal: Journal, participants: [ClientProtocol: LogParticipant]
    ) throws(ServerStartError) -> Persistence? {
        let config = server.context.config
        installLiveSwitch(server: server, journal: journal, participants: participants)
        guard config.bool(.appendonly) else {
            journal.enable(false)
            return nil
        }
        let path = path(config: config)
        let unhandled = try replay(path: path, into: snapshotOrder(participants), server: server)
        let writer: LogWriter
        do {
            writer = try LogWriter(path: path, policy: FsyncPolicy(rawValue: config.string(.appendfsync)) ?? .everysec)
        } catch { throw ServerStartError("Can't open the append-only file \(path): \(error.reason)") }
        return attach(
            server: server, journal: journal, writer: writer, participants: participants, unhandled: unhandled)
    }

    /// Whether every front end the server serves either has its state in the log or has no
    /// state of its own: otherwise a snapshot (rewrite, live switch-on) would lose state.
    static func everyStateInLog(server: Server, participants: [ClientProtocol: LogParticipant]) -> Bool {
        server.frontEnds.allSatisfy { participants[$0.key] != nil || !$0.value.hasOwnState }
    }

    /// The participants in the order a snapshot frames them: those framed whole (the broker)
    /// first, at the moment a rewrite's capture starts, then those taken in slices (the keyspace).
    static func snapshotOrder(_ participants: [ClientProtocol: LogParticipant]) -> [LogParticipant] {
        participants.values.sorted { !$0.snapshotsInSlices && $1.snapshotsInSlices }
    }

    /// Replays the log at `path` (a missing file is an empty log), each record into the
    /// participant that claims its type, and reports what it found in the server log. Returns
    /// how many records no participant claimed (they stay in the file; rewrites are refused).
    private static func replay(
        path: String, into ordered: [LogParticipant], server: Server
    ) throws(ServerStartError) -> Int {
        let log = server.log
        server.context.refreshNow()
        let started = server.context.clock.nowMs()
        var owner: [RecordType: LogParticipant] = [:]
        for p in ordered { for type in p.logRecordTypes where owner[type] == nil { owner[type] = p } }
        var unhandled = 0
        let report: ReplayReport
        for p in ordered { p.beginLogReplay() }
        do {
            defer { for p in ordered { p.finishLogReplay() } }
            let truncate = server.context.config.bool(.aofLoadTruncated)
            report = try LogReader.replay(path: path, truncateTornTail: truncate) { record in
                guard let p = owner[record.type] else {
                    unhandled += 1
                    return
                }
                p.replayLogRecord(record)
            }
        } catch {
            log.warning(error.description)
            throw ServerStartError(error.description)
        }
        if let torn = report.tornTailMessage {
            log.warning("!!! Warning: short read while loading the AOF file \(path)!!!")
            log.warning(torn)
        }
        if report.exists {
            let secs = Double(server.context.clock.nowMs() - started) / 1000
            log.notice("DB loaded from append only file: \(secs) seconds (\(report.records) records)")
        }
        if unhandled > 0 {
            log.warning(
                "\(unhandled) log records belong to a front end that is not running: they stay in the log, and rewrites are disabled"
            )
        }
        return unhandled
    }

    /// Wires an open log into the server: hooks, journal on, timers, INFO status.
    static func attach(
        server: Server, journal: Journal, writer: LogWriter, participants: [ClientProtocol: LogParticipant],
        unhandled: Int
    ) -> Persistence {
        let tuning = PersistenceTuning.fromEnvironment()
        if let us = tuning.inlineFsyncMaxMicros { writer.inlineSyncThresholdMicros = us }
        let p = Persistence(server: server, journal: journal, writer: writer, tuning: tuning)
        p.participants = participants
        p.unhandledRecords = unhandled
        journal.enable(true)
        // The server owns `p` (p refers back to the server unowned).
        server.persistence = p
        p.startTimer()
        p.updateStatus()
        return p
    }

    init(server: Server, journal: Journal, writer: LogWriter, tuning: PersistenceTuning = PersistenceTuning()) {
        self.server = server
        self.journal = journal
        self.writer = writer
        self.tuning = tuning
        policyName = writer.policy.rawValue
    }

    private func startTimer() {
        // Paces everysec fsyncs, disk-error retries and the auto-rewrite check when idle.
        timer = try? LoopTimer(loop: server.loop) { [unowned self] in self.periodic() }
        timer?.start(afterMs: 100, repeatMs: 100)
    }

    // MARK: the loop tick

    /// Before any reply of this tick is written: one write for the tick's records; under
    /// `always` this tick's output waits in `hold` for the fsync that covers it.
    func beforeFlush() {
        if closed { return }
        let ctx = server.context
        let tick = appendJournal()
        _ = writer.syncInlineIfCheap(nowMs: ctx.nowMs)
        submit(writer.poll(nowMs: ctx.nowMs))
        // An inline fsync may have made earlier held output durable without any job completing.
        holdAndRelease(tick)
        armSliceTimer()
        updateStatus()
    }

    /// What one append of the journal left to decide about this tick's output.
    struct AppendedTick {
        /// The logical offset that must be durable before this tick's replies may go out.
        let end: Int64
        /// Outboxes that asked to reply only after the fsync (publisher confirms).
        let waiters: [Outbox]
        /// Whether the write gate saw a healthy log while these requests ran (see `mustHold`).
        let wasHealthy: Bool
    }

    /// Writes the journal's records (one pwrite) and tells the AMQP side where they end.
    private func appendJournal() -> AppendedTick {
        let wasHealthy = server.context.persistence.writeFailure == nil  // what the write gate saw
        if journal.oversizedRecords != reportedOversized {
            reportedOversized = journal.oversizedRecords
            server.log.warning(
                "\(reportedOversized) change(s) too large for one log record (over 1 GiB) were not logged")
        }
        let end = writer.append(journal)
        let waiters = durableWaiters(end: end)
        amqpAppended(end: end)
        return AppendedTick(end: end, waiters: waiters, wasHealthy: wasHealthy)
    }

    /// Moves the tick's output that must wait for an fsync into `hold`, then hands back what
    /// the writer has made durable so far (and the confirms that were waiting for it).
    private func holdAndRelease(_ tick: AppendedTick) {
        let holdNew = mustHold(end: tick.end, wasHealthy: tick.wasHealthy)
        hold.sweep(server.context.flushQueue, end: tick.end, holdNew: holdNew, waiters: tick.waiters)
        hold.release(durable: writer.durable)
        amqpDurable()
    }

    /// Outboxes that asked to reply only after the fsync (publisher confirms); an everysec
    /// writer is told to fsync now rather than within the second. Empty under `no`.
    private func durableWaiters(end: Int64) -> [Outbox] {
        let waiters = journal.takeDurableWaiters()
        guard !waiters.isEmpty, writer.policy != .no, end > writer.durable else { return [] }
        writer.requestSync()
        return waiters
    }

    /// Whether this tick's output waits for an fsync: under `always`, while something is not
    /// durable. Once MISCONF is published, write commands are refused, so later ticks
    /// carry no acknowledged writes and their output (reads, errors) is not held: reads keep
    /// working while the disk is down. Clients with older output held still wait (order).
    private func mustHold(end: Int64, wasHealthy: Bool) -> Bool {
        writer.policy == .always && end > writer.durable && wasHealthy
    }

    /// A job came back: advance the writer, release the replies it made durable, start the next.
    func completed(_ result: LogJobResult) {
        let ctx = server.context
        ctx.refreshNow()
        let wasRewriting = writer.rewrite.inProgress
        writer.complete(result, nowMs: ctx.nowMs)
        if closed { return }
        if wasRewriting && !writer.rewrite.inProgress {
            if writer.stats.lastOK {
                server.log.notice("Background AOF rewrite finished successfully")
            } else {
                server.log.warning("Background AOF rewrite failed: the old log stays in use")
            }
        }
        // Records made by requests handled since the last flush go out before their replies.
        holdAndRelease(appendJournal())
        ctx.flushQueue.drain()
        submit(writer.poll(nowMs: ctx.nowMs))
        armSliceTimer()  // a returning slice job may lift the back-pressure
        updateStatus()
    }

    private func periodic() {
        if closed { return }
        let ctx = server.context
        ctx.refreshNow()
        let policy = ctx.config.string(.appendfsync)
        if policy != policyName, let p = FsyncPolicy(rawValue: policy) {
            policyName = policy
            writer.setPolicy(p)
        }
        submit(writer.poll(nowMs: ctx.nowMs))
        let minSize = ctx.config.int(.autoAofRewriteMinSize)
        let percentage = ctx.config.int(.autoAofRewritePercentage)
        if writer.shouldAutoRewrite(minSize: minSize, percentage: percentage), canSnapshot {
            let growth = writer.fileSize * 100 / max(1, writer.baseSize) - 100
            server.log.notice("Starting automatic rewriting of AOF on \(growth)% growth")
            _ = requestRewrite()
        }
        updateStatus()
    }

    func submit(_ jobs: [LogJob]) {
        for job in jobs {
            do { try BackgroundWork.run(on: server.loop, { job.run() }) { [unowned self] in self.completed($0) } } catch
            {
                server.log.warning("Cannot queue log work (\(error)); running it on the loop")
                completed(job.run())
            }
        }
    }

    // MARK: shutdown and status

    /// SHUTDOWN / SIGTERM: write and fsync everything, then let held replies go.
    func shutdown() {
        if closed { return }
        closed = true
        timer?.close()
        timer = nil
        sliceTimer?.close()
        sliceTimer = nil
        snapshotSources.removeAll()
        writer.append(journal)
        server.log.notice("Calling fsync() on the AOF file.")
        if let problem = writer.shutdown() {
            server.log.warning("Error trying to fsync the AOF file at shutdown: \(problem)")
            hold.discardAll()
        } else {
            hold.release(durable: writer.durable)
        }
        updateStatus()
    }

    func updateStatus() {
        let ctx = server.context
        ctx.persistence.aofEnabled = true
        ctx.persistence.aofRewriteInProgress = writer.rewrite.inProgress
        ctx.persistence.aofLastRewriteTimeSec = writer.stats.lastDurationSec
        ctx.persistence.aofLastBgrewriteStatus = writer.stats.lastOK ? "ok" : "err"
        ctx.persistence.aofCurrentSize = writer.fileSize
        ctx.persistence.aofBaseSize = writer.baseSize
        if writer.failure != lastFailure {
            if let f = writer.failure {
                server.log.warning("Error writing to the AOF file: \(FileIO.describe(f.code))")
            } else {
                server.log.warning("AOF write error looks solved. Latchkey can write again.")
            }
            lastFailure = writer.failure
            ctx.persistence.aofLastWriteStatus = writer.failure == nil ? "ok" : "err"
            ctx.persistence.writeFailure = writer.failureReport
            if writer.failure != nil { amqpLogFailed() }
        }
    }

    // MARK: --check-log

    /// `latchkey --check-log FILE [--fix]`: prints the report, returns the exit code.
    public static func checkLogCommand(_ arguments: [String]) -> Int32 {
        guard let file = arguments.first, arguments.count <= 2, arguments.count == 1 || arguments[1] == "--fix" else {
            ServerLog.writeAll(2, "Usage: latchkey --check-log FILE [--fix]\n")
            return 1
        }
        let result = checkLog(file, fix: arguments.count == 2)
        ServerLog.writeAll(1, result.lines.joined(separator: "\n") + "\n")
        return result.exitCode
    }
}
