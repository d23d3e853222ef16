// Clients blocked on lists (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP), as Redis's blocked.c does it:
// a FIFO of waiters per key; a push only marks the key ready, and the ready keys are served
// after the top-level command has finished (so a push from MULTI/EXEC or a script wakes waiters
// once it is done). A served or timed-out client gets its reply written into its own outbox
// from here, never while its own session is receiving. Timeouts follow the server clock
// (ServerContext.dataNowMs, the clock TTLs follow: checked from cron and right after LATCHKEY
// CLOCK moves it); CLIENT UNBLOCK and disconnects remove waiters.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyLog
import LatchkeyRESP

/// What a blocked client will do once one of its keys holds elements.
enum BlockOp {
    /// BLPOP/BRPOP: reply [key, element].
    case pop(left: Bool)
    /// BLMOVE/BRPOPLPUSH: move one element to `destination`, reply the element.
    case move(destination: Bytes, fromLeft: Bool, toLeft: Bool)
    /// BLMPOP: reply [key, [elements]] with up to `count` elements.
    case mpop(left: Bool, count: Int)
}

/// One blocked client.
final class BlockedClient {
    let client: RESPClientState
    let db: Int
    let keys: [Bytes]
    /// Absolute deadline in server ms; 0 waits forever.
    let deadlineMs: Int64
    let op: BlockOp

    init(client: RESPClientState, db: Int, keys: [Bytes], deadlineMs: Int64, op: BlockOp) {
        self.client = client
        self.db = db
        self.keys = keys
        self.deadlineMs = deadlineMs
        self.op = op
    }
}

/// The engine's registry of blocked clients.
final class BlockingState {
    /// Waiters per key, oldest first.
    var waiters: [WatchedKey: [BlockedClient]] = [:]
    /// Keys pushed to since the last serve, in push order (deduplicated by `readySet`).
    var ready: [WatchedKey] = []
    var readySet: Set<WatchedKey> = []
    /// Every blocked client by id (INFO blocked_clients, CLIENT UNBLOCK, timeouts).
    var byClient: [UInt64: BlockedClient] = [:]
    /// Writes replies for served clients (its buffer is swapped with theirs).
    let writer = ReplyWriter(protocolVersion: 2, capacity: 0)
}

extension CommandEngine {
    /// INFO `blocked_clients`.
    public var blockedClientCount: Int { blocking.byClient.count }

    /// Marks `key` ready if someone waits on it (cheap when nobody is blocked).
    func signalListReady(db: Int, key: ByteView) {
        if blocking.waiters.isEmpty { return }
        let wk = WatchedKey(db: db, key: key.bytes)
        guard blocking.waiters[wk] != nil, !blocking.readySet.contains(wk) else { return }
        blocking.readySet.insert(wk)
        blocking.ready.append(wk)
    }

    /// Blocks `ctx`'s client on `keys` (no reply now; the session stops reading commands).
    func block(_ ctx: CommandContext, keys: [Bytes], deadlineMs: Int64, op: BlockOp) {
        let b = BlockedClient(client: ctx.client, db: ctx.db, keys: keys, deadlineMs: deadlineMs, op: op)
        ctx.client.blocked = b
        ctx.client.info.exemptFromIdleTimeout = true
        blocking.byClient[ctx.client.info.id] = b
        for k in keys {
            let wk = WatchedKey(db: ctx.db, key: k)
            if blocking.waiters[wk]?.contains(where: { $0 === b }) == true { continue }
            blocking.waiters[wk, default: []].append(b)
        }
    }

    /// Removes `b` from every registry (it is being served, timed out, unblocked or gone).
    func unblock(_ b: BlockedClient) {
        for k in b.keys {
            let wk = WatchedKey(db: b.db, key: k)
            guard var list = blocking.waiters[wk] else { continue }
            list.removeAll { $0 === b }
            blocking.waiters[wk] = list.isEmpty ? nil : list
        }
        blocking.byClient[b.client.info.id] = nil
        b.client.blocked = nil
        b.client.info.exemptFromIdleTimeout = false
        b.client.info.outbox.wantsInputRedelivery = true
        b.client.info.outbox.markDirty()
    }

    /// Writes into a blocked client's outbox with a writer in its protocol.
    func replyTo(_ client: RESPClientState, _ body: (ReplyWriter) -> Void) {
        let outbox = client.info.outbox
        if outbox.isClosed { return }
        let w = blocking.writer
        w.protocolVersion = client.protocolVersion
        swap(&w.bytes, &outbox.bytes)
        body(w)
        swap(&w.bytes, &outbox.bytes)
        outbox.markDirty()
    }

    /// Serves clients blocked on keys that were pushed to, oldest waiter first per key, while
    /// the key holds elements. Called after each top-level command.
    func serveReadyLists() {
        while !blocking.ready.isEmpty {
            let keys = blocking.ready
            blocking.ready = []
            blocking.readySet = []
            for wk in keys {
                while let b = blocking.waiters[wk]?.first {
                    let served = wk.key.withByteView { serve(b, key: $0, db: wk.db) }
                    if !served { break }
                }
            }
        }
    }

    /// Serves `b` from `key` if it holds a list; returns false when there was nothing to take.
    private func serve(_ b: BlockedClient, key: ByteView, db: Int) -> Bool {
        let now = context.dataNowMs
        var ref = keyspace.lookupWrite(db: db, key, now: now)
        guard let e = ref.entry, e.type == .list, !e.list.isEmpty else { return false }
        // The served pop writes the key (and BLMOVE's destination): WATCHers must see it.
        if !watchers.isEmpty {
            touchWatched(db: db, key.bytes)
            if case .move(let destination, _, _) = b.op { touchWatched(db: db, destination) }
        }
        switch b.op {
        case .pop(let left):
            unblock(b)
            journalIfEnabled(.listPop(db: db, key: key.bytes, atHead: left, count: 1))
            let x = ref.mutate { $0.list.pop(left: left)! }
            notifyServedPop(key, db: db, left: left, emptied: !ref.exists)
            replyTo(b.client) { w in
                w.arrayHeader(2)
                w.bulk(key)
                w.bulk(x)
            }
        case .mpop(let left, let count):
            unblock(b)
            let n = min(count, e.list.count)
            journalIfEnabled(.listPop(db: db, key: key.bytes, atHead: left, count: n))
            let xs = ref.mutate { e in (0..<n).map { _ in e.list.pop(left: left)! } }
            notifyServedPop(key, db: db, left: left, emptied: !ref.exists)
            replyTo(b.client) { w in
                w.arrayHeader(2)
                w.bulk(key)
                w.arrayHeader(xs.count)
                for x in xs { w.bulk(x) }
            }
        case .move(let destination, let fromLeft, let toLeft):
            unblock(b)
            let moved = destination.withByteView { dst in
                ListCommands.moveOne(
                    engine: self, db: db, source: key, destination: dst, fromLeft: fromLeft, toLeft: toLeft, now: now)
            }
            replyTo(b.client) { w in
                switch moved {
                case .moved(let x): w.bulk(x)
                case .wrongType: w.error(ErrorReplies.wrongType)
                case .empty: w.null()
                }
            }
        }
        return true
    }

    /// A keyspace event from outside a handler (served waiters, LMOVE's halves).
    func notify(_ type: KeyspaceEventFlags, _ event: StaticString, _ key: ByteView, db: Int) {
        if keyspaceEvents.contains(type) { notifyKeyspaceEvent(type, event, key: key.bytes, db: db) }
    }

    private func notifyServedPop(_ key: ByteView, db: Int, left: Bool, emptied: Bool) {
        notify(.list, left ? "lpop" : "rpop", key, db: db)
        if emptied { notify(.generic, "del", key, db: db) }
    }

    private func touchWatched(db: Int, _ key: Bytes) {
        for c in watchers[WatchedKey(db: db, key: key)] ?? [] { c.watchTouched = true }
    }

    func journalIfEnabled(_ record: @autoclosure () -> LogRecord) {
        if journal.isEnabled && !isReplaying { journal.append(record()) }
    }

    /// Replies nil to every blocked client whose deadline has passed at the server's data time.
    func expireBlockedClients() {
        if blocking.byClient.isEmpty { return }
        let now = context.dataNowMs
        let due = blocking.byClient.values.filter { $0.deadlineMs != 0 && $0.deadlineMs <= now }
        for b in due.sorted(by: { $0.deadlineMs < $1.deadlineMs }) {
            unblock(b)
            replyTimeout(b)
        }
    }

    /// The reply a blocking command gives when it times out: a null array for every kind, BLMOVE
    /// included (Redis's blocked-timeout reply; inside MULTI BLMOVE answers a null bulk instead).
    func replyTimeout(_ b: BlockedClient) { replyTo(b.client) { $0.nullArray() } }

    /// CLIENT UNBLOCK: returns whether `id` was blocked.
    func unblockClient(id: UInt64, withError: Bool) -> Bool {
        guard let b = blocking.byClient[id] else { return false }
        unblock(b)
        if withError { replyTo(b.client) { $0.error(ErrorReplies.unblocked) } } else { replyTimeout(b) }
        return true
    }
}
