// Transactions: MULTI/EXEC/DISCARD and optimistic locking with WATCH/UNWATCH. While a client is in
// MULTI the gate queues its commands (owned copies of the arguments) and EXEC runs them back to
// back through the same gate. A write to a watched key marks its watchers, and their next EXEC
// replies with a nil array. The registry of watched keys lives on the engine.
import LatchkeyCore
import LatchkeyRESP

/// A key some client WATCHes.
struct WatchedKey: Hashable {
    let db: Int
    let key: Bytes
}

/// A client's open MULTI block.
public final class TransactionState {
    /// Commands queued since MULTI, as owned arguments.
    var queued: [[Bytes]] = []
    /// A command failed the gate while queuing: EXEC must abort.
    var failed = false
}

enum TransactionCommands {
    /// MULTI
    static func multi(_ ctx: CommandContext) {
        if ctx.client.transaction != nil {
            ctx.reply.error(ErrorReplies.multiNested)
            return
        }
        ctx.client.transaction = TransactionState()
        ctx.reply.ok()
    }

    /// DISCARD
    static func discard(_ ctx: CommandContext) {
        guard ctx.client.transaction != nil else {
            ctx.reply.error(ErrorReplies.discardWithoutMulti)
            return
        }
        ctx.client.transaction = nil
        ctx.engine.unwatchAll(ctx.client)
        ctx.reply.ok()
    }

    /// EXEC
    static func exec(_ ctx: CommandContext) {
        guard let tx = ctx.client.transaction else {
            ctx.reply.error(ErrorReplies.execWithoutMulti)
            return
        }
        ctx.client.transaction = nil
        let touched = ctx.client.watchTouched
        ctx.engine.unwatchAll(ctx.client)
        if tx.failed {
            ctx.reply.error(ErrorReplies.execAbort)
            return
        }
        if touched {
            ctx.reply.nullArray()
            return
        }
        ctx.reply.arrayHeader(tx.queued.count)
        let savedArgv = ctx.argv
        let savedSpec = ctx.spec
        ctx.client.inTransactionExec = true
        defer { ctx.client.inTransactionExec = false }
        for argv in tx.queued {
            withByteViews(argv) { views in
                ctx.argv = views
                ctx.engine.dispatch(ctx)
            }
        }
        ctx.argv = savedArgv
        ctx.spec = savedSpec
    }

    /// WATCH key [key ...]
    static func watch(_ ctx: CommandContext) {
        if ctx.client.transaction != nil {
            ctx.reply.error(ErrorReplies.watchInsideMulti)
            return
        }
        for i in 1..<ctx.argc { ctx.engine.watch(ctx.client, WatchedKey(db: ctx.db, key: ctx[i].bytes)) }
        ctx.reply.ok()
    }

    /// UNWATCH
    static func unwatch(_ ctx: CommandContext) {
        ctx.engine.unwatchAll(ctx.client)
        ctx.reply.ok()
    }
}

extension CommandEngine {
    func watch(_ client: RESPClientState, _ key: WatchedKey) {
        if client.watching.contains(key) { return }
        client.watching.append(key)
        watchers[key, default: []].append(client)
    }

    func unwatchAll(_ client: RESPClientState) {
        for key in client.watching {
            guard var list = watchers[key] else { continue }
            list.removeAll { $0 === client }
            watchers[key] = list.isEmpty ? nil : list
        }
        client.watching.removeAll()
        client.watchTouched = false
    }

    /// Marks the watchers of the keys a write command named (its key positions in the table).
    /// Called only when someone watches something, so the hot path pays one isEmpty check.
    func touchWatchedKeys(_ spec: CommandSpec, _ ctx: CommandContext) {
        guard spec.firstKey > 0 else { return }
        let argc = ctx.argc
        let last = spec.lastKey < 0 ? argc + spec.lastKey : min(spec.lastKey, argc - 1)
        var i = spec.firstKey
        while i <= last {
            if let list = watchers[WatchedKey(db: ctx.db, key: ctx[i].bytes)] {
                for c in list { c.watchTouched = true }
            }
            i += max(1, spec.keyStep)
        }
    }

    /// FLUSHDB / FLUSHALL: every watcher of the database (nil = all databases) is touched.
    func touchAllWatched(db: Int?) {
        for (key, list) in watchers where db == nil || key.db == db! { for c in list { c.watchTouched = true } }
    }
}
