// The one gate every command passes, from a socket or from a script: lookup (case-insensitive,
// no allocation), subcommand resolution, arity, script restrictions, authentication, -BUSY while
// a script runs, and refusal of writes while persistence is failing. Handlers run only after all
// of it. The command's origin picks the checks and the texts: a script gets Redis's
// "... from script" errors for an unknown command, bad arity, noscript/blocking commands and
// writes from a read-only script. Every refusal counts in INFO as Redis 7 counts it: the refused
// command's rejected_calls and the error's errorstat, once (a script that passes the error on in
// its reply fails its EVAL without counting the error again; see ScriptReplyErrors).
import LatchkeyCore
import LatchkeyRESP
import LatchkeyScripting

/// Who sent a command.
public enum CommandOrigin: Sendable {
    /// A connection (or a test standing in for one).
    case client
    /// A script's `redis.call`/`pcall`; `readOnly` for EVAL_RO/EVALSHA_RO.
    case script(readOnly: Bool)
}

extension CommandEngine {
    /// Resolves and runs `ctx.argv` (replying with Redis's error when the gate refuses).
    func dispatch(_ ctx: CommandContext) {
        let argv = ctx.argv
        guard argv.count > 0 else { return }
        let fromScript = ctx.fromScript
        guard var spec = commands.find(argv[0]) else {
            if fromScript { return reject(ctx, nil, ScriptErrors.unknownCommand) }
            let args = argv.dropFirst().prefix(64).map(\.string)
            return reject(ctx, nil, ErrorReplies.unknownCommand(argv[0].string, args: args))
        }
        if !spec.subcommands.isEmpty && argv.count >= 2 {
            guard let sub = spec.subcommand(argv[1]) else {
                if fromScript { return reject(ctx, nil, ScriptErrors.unknownCommand) }
                return reject(ctx, nil, ErrorReplies.unknownSubcommand(argv[1].string, container: spec.name))
            }
            spec = sub
        }
        if !spec.accepts(argc: argv.count) {
            if fromScript { return reject(ctx, spec, ScriptErrors.wrongArity) }
            return reject(ctx, spec, ErrorReplies.arity(spec.fullName))
        }
        let flags = spec.gateFlags
        if case .script(let readOnly) = ctx.origin {
            // Blocking commands are refused too, as redis-server 7.0 refuses BLPOP & co. from Lua
            // (checked by the differential suite): a script must never wait for another client.
            if !flags.isDisjoint(with: [.noscript, .blocking]) { return reject(ctx, spec, ScriptErrors.notAllowed) }
            if readOnly && flags.contains(.write) { return reject(ctx, spec, ScriptErrors.writeInReadOnly) }
        }
        if !ctx.client.authenticated && !requirePass.isEmpty && !flags.contains(.noauth) {
            return reject(ctx, spec, ErrorReplies.noAuth)
        }
        if !fromScript && scriptInProgress && scripting.refusesWhileBusy(spec) {
            return reject(ctx, spec, ScriptErrors.busy, abortsTransaction: false)
        }
        if flags.contains(.write), let failure = context.persistence.writeFailure {
            return reject(ctx, spec, ErrorReplies.misconf(failure))
        }
        if flags.contains(.write) && journal.isEnabled && !fitsInLogRecord(argv) {
            return reject(ctx, spec, ErrorReplies.writeTooLargeForLog)
        }
        if ctx.client.subscriptions.isSubscribed && ctx.client.protocolVersion == 2
            && !flags.contains(.allowedWhileSubscribed) && !fromScript
        {
            return reject(ctx, spec, ErrorReplies.subscribedContext(spec.fullName))
        }
        if let tx = ctx.client.transaction, !fromScript, !flags.contains(.skipsQueue) {
            tx.queued.append(argv.map { $0.bytes })
            ctx.reply.status("QUEUED")
            return
        }
        ctx.spec = spec
        if !fromScript { ctx.client.lastCommand = spec.fullName }
        context.stats.totalCommandsProcessed &+= 1
        let slot = spec.statsIndex
        let replyStart = ctx.reply.bytes.count
        spec.handler(ctx)
        // Counted once it has run, as Redis does (INFO does not see its own call).
        if slot >= 0 { commandStats[slot].calls &+= 1 }
        // A script's reply: its sink counted the errors in it (ScriptReplyErrors). Cleared here,
        // so EXEC does not take the counts of an EVAL it ran for its own.
        if ctx.scriptReplyErrors.any {
            if slot >= 0 { commandStats[slot].failedCalls &+= ctx.scriptReplyErrors.failedCalls }
            ctx.scriptReplyErrors = ScriptReplyErrors()
        } else if replyStart < ctx.reply.bytes.count && ctx.reply.bytes[replyStart] == 45 {
            // INFO commandstats/errorstats: a reply that starts with '-' is a failed call.
            if slot >= 0 { commandStats[slot].failedCalls &+= 1 }
            countError(ctx.reply.bytes, from: replyStart + 1)
        }
        if !watchers.isEmpty && flags.contains(.write) { touchWatchedKeys(spec, ctx) }
    }

    /// Whether a write with these arguments can be logged: a record holds at most the
    /// arguments plus a varint length each and fixed fields, and must stay within
    /// `aof-max-record-size` (the codec cannot frame more; see docs/log-format.md).
    @inline(__always) func fitsInLogRecord(_ argv: UnsafeBufferPointer<ByteView>) -> Bool {
        var total = 32
        for i in 1..<argv.count { total += argv[i].count + 10 }
        return total <= journal.maxWritePayload
    }

    /// Replies with a gate refusal, counts it for INFO (rejected_calls, errorstats) and, like
    /// Redis's rejectCommand, makes an open MULTI fail at EXEC.
    private func reject(_ ctx: CommandContext, _ spec: CommandSpec?, _ text: String, abortsTransaction: Bool = true) {
        ctx.reply.error(text)
        if let slot = spec?.statsIndex, slot >= 0 { commandStats[slot].rejectedCalls &+= 1 }
        countError(Bytes(text.utf8), from: 0)
        if abortsTransaction { ctx.client.transaction?.failed = true }
    }
}
