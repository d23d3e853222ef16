// BGREWRITEAOF and auto rewrite for the live log: whether every front end can snapshot, the
// streamed snapshot framed a bounded slice per loop tick (so no tick pauses long), and the
// timer that schedules the next slice. The rewrite's phases and why slicing is correct are
// LatchkeyLog's (LogWriter+Stream.swift); what each participant frames is its own.
import LatchkeyCore
import LatchkeyLog
import LatchkeyLoop

extension Persistence {
    var canSnapshot: Bool { unhandledRecords == 0 && Self.everyStateInLog(server: server, participants: participants) }

    /// BGREWRITEAOF. Returns the error text when a rewrite cannot start. The snapshot is taken
    /// incrementally (LogWriter+Stream.swift explains why that is correct): the first slice
    /// now (participants without slices, such as the broker, are framed whole in it, at the
    /// moment the capture starts), the rest a bounded slice per loop tick from `sliceTimer`.
    func requestRewrite() -> String? {
        if writer.rewrite.inProgress { return "ERR Background append only file rewriting already in progress" }
        guard canSnapshot else {
            return
                "ERR Background append only file rewriting is not available: not every front end can snapshot its state"
        }
        switch writer.beginStreamedRewrite(journal: journal, nowMs: server.context.nowMs) {
        case .busy: return "ERR Background append only file rewriting already in progress"
        case .failed(let code):
            server.log.warning("Can't create the rewrite temp file: \(FileIO.describe(code))")
            updateStatus()
            return "ERR Background append only file rewriting failed: \(FileIO.describe(code))"
        case .started: break
        }
        snapshotSources = Self.snapshotOrder(participants).map { ($0, LogSnapshotCursor()) }
        snapshotSlices = 0
        snapshotStartedMicros = FileIO.monotonicMicros()
        snapshotMaxSliceMicros = 0
        server.log.notice("Background append only file rewriting started")
        snapshotSlice()
        updateStatus()
        return nil
    }

    /// Frames keys for about `tuning.rewriteSliceMicros` (the loop's longest pause while compacting),
    /// hands the bytes to a helper thread, and re-arms itself for the next tick until the
    /// snapshot is complete (or pauses while too many bytes wait for the disk: a returning
    /// slice job re-arms it).
    func snapshotSlice() {
        guard !closed, writer.wantsSnapshotSlice else { return }
        let ctx = server.context
        ctx.refreshNow()
        let started = FileIO.monotonicMicros()
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        var index = snapshotSources.firstIndex { !$0.cursor.done } ?? snapshotSources.count
        while index < snapshotSources.count {
            snapshotSources[index].participant.writeLogSnapshotSlice(
                into: &out, cursor: &snapshotSources[index].cursor, nowMs: ctx.dataNowMs, maxRecords: 512)
            if snapshotSources[index].cursor.done {
                index += 1
            } else if FileIO.monotonicMicros() - started >= tuning.rewriteSliceMicros || out.count >= 4 << 20 {
                break
            }
        }
        let last = index >= snapshotSources.count
        let spent = FileIO.monotonicMicros() - started
        snapshotSlices += 1
        snapshotMaxSliceMicros = max(snapshotMaxSliceMicros, spent)
        var jobs: [LogJob] = []
        if let job = writer.appendSnapshotSlice(out, last: last) { jobs.append(job) }
        if last {
            snapshotSources.removeAll()
            let ms = Double(FileIO.monotonicMicros() - snapshotStartedMicros) / 1000
            server.log.verbose(
                "Rewrite snapshot framed in \(snapshotSlices) slices over \(ms) ms (longest slice \(Double(snapshotMaxSliceMicros) / 1000) ms)"
            )
            jobs += writer.poll(nowMs: ctx.nowMs)
        }
        submit(jobs)
        // Not re-armed here: libuv runs a timer that is due again at the same loop time in the
        // same pass, which would chain every slice into one long pause. beforeFlush re-arms it,
        // once per loop iteration.
    }

    /// Runs `snapshotSlice` on the next loop iteration (a 0 ms timer keeps the loop from
    /// sleeping, while I/O is still served between slices). Call outside the timer phase.
    func armSliceTimer() {
        guard !closed, writer.wantsSnapshotSlice else { return }
        if sliceTimer == nil {
            sliceTimer = try? LoopTimer(loop: server.loop) { [unowned self] in self.snapshotSlice() }
        }
        guard let sliceTimer else {
            // No timer: frame the rest now (one long pause rather than no rewrite).
            while writer.wantsSnapshotSlice { snapshotSlice() }
            return
        }
        sliceTimer.start(afterMs: 0, repeatMs: 0)
    }
}
