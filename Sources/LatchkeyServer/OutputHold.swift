// Group commit for replies under `appendfsync always`: output produced while its log records
// are not yet fsynced is moved out of the client's Outbox into per-client segments tagged with
// the logical log offset they depend on, and handed back (in order) once `durable` reaches it.
// Moving the bytes (rather than keeping the outbox queued) means no other path — e.g. a socket
// drain callback — can write them early. What is durable is LogWriter's business.
import LatchkeyCore

/// Replies waiting for an fsync. Owned by Persistence, loop thread only.
final class OutputHold {
    private final class Held {
        let outbox: Outbox
        /// (log offset that must be durable, bytes), oldest first.
        var segments: [(end: Int64, bytes: [UInt8])] = []
        /// The session asked to close after this output (QUIT, protocol error): restored on release.
        var closeAfter = false
        init(_ outbox: Outbox) { self.outbox = outbox }
    }

    private var held: [ObjectIdentifier: Held] = [:]

    var isEmpty: Bool { held.isEmpty }
    /// Whether some of `outbox`'s output is waiting here (newer output must not overtake it).
    func isHolding(_ outbox: Outbox) -> Bool { held[ObjectIdentifier(outbox)] != nil }
    var count: Int { held.count }

    /// Moves the output of every dirty outbox into a segment needing `end` to be durable — all
    /// of them when `holdNew` (under `always`, `end` not durable yet), otherwise only those of
    /// clients with older output still held (order). The outboxes stay queued with empty
    /// buffers, so the flush that follows writes nothing for them and clears their queued flag.
    /// `waiters` are held like under `holdNew` even when it is false (replies after fsync).
    func sweep(_ queue: FlushQueue, end: Int64, holdNew mustHold: Bool, waiters: [Outbox] = []) {
        if !mustHold && held.isEmpty && waiters.isEmpty { return }
        let waiting = Set(waiters.map(ObjectIdentifier.init))
        for outbox in queue.pending where !outbox.bytes.isEmpty || outbox.closeAfterFlush {
            let id = ObjectIdentifier(outbox)
            if !mustHold && held[id] == nil && !waiting.contains(id) { continue }
            let h = held[id] ?? Held(outbox)
            held[id] = h
            if !outbox.bytes.isEmpty {
                h.segments.append((end, outbox.bytes))
                outbox.bytes.removeAll(keepingCapacity: true)
            }
            if outbox.closeAfterFlush {
                h.closeAfter = true
                outbox.closeAfterFlush = false
            }
        }
    }

    /// Puts back every segment whose records are durable, oldest first, and marks those outboxes
    /// dirty; the caller then drains the flush queue. Outboxes of closed clients are dropped.
    func release(durable: Int64) {
        if held.isEmpty { return }
        var done: [ObjectIdentifier] = []
        for (id, h) in held {
            if h.outbox.isClosed {
                done.append(id)
                continue
            }
            var n = 0
            while n < h.segments.count && h.segments[n].end <= durable { n += 1 }
            if n == 0 && !h.segments.isEmpty { continue }
            var out: [UInt8] = []
            for i in 0..<n { out.append(contentsOf: h.segments[i].bytes) }
            h.segments.removeFirst(n)
            // Anything already in the outbox is newer than every held segment.
            h.outbox.bytes.insert(contentsOf: out, at: 0)
            if h.segments.isEmpty {
                if h.closeAfter { h.outbox.closeAfterFlush = true }
                done.append(id)
            }
            h.outbox.markDirty()
        }
        for id in done { held[id] = nil }
    }

    /// Puts back, durable or not, everything held for the outboxes `which` selects (the AMQP
    /// connections when the log fails: their confirms wait in the channels, so what is held is
    /// output that must not wait for a disk that may never come back, heartbeats included).
    func releaseRegardless(where which: (Outbox) -> Bool) {
        for (id, h) in held where which(h.outbox) {
            held[id] = nil
            if h.outbox.isClosed { continue }
            h.outbox.bytes.insert(contentsOf: h.segments.flatMap(\.bytes), at: 0)
            if h.closeAfter { h.outbox.closeAfterFlush = true }
            h.outbox.markDirty()
        }
    }

    /// Drops everything held (the log could not be made durable at shutdown: those replies were
    /// never acknowledged, and must not be).
    func discardAll() { held.removeAll() }
}
