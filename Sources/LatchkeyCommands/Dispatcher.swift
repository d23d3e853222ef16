// The one gate every command passes, from a socket or from a script: lookup (case-insensitive,
// no allocation), subcommand resolution, arity, authentication, script restrictions, and
// refusal of writes while persistence is failing. Handlers run only after all of it.
import LatchkeyCore
import LatchkeyRESP
import LatchkeyScripting

extension CommandEngine {
    /// Resolves and runs `ctx.argv` (replying with Redis's error when the gate refuses).
    func dispatch(_ ctx: CommandContext) {
        let argv = ctx.argv
        guard argv.count > 0 else { return }
        guard var spec = commands.find(argv[0]) else {
            ctx.reply.error(ErrorReplies.unknownCommand(argv[0].string, args: argv.dropFirst().prefix(64).map(\.string)))
            ctx.client.transaction?.failed = true
            return
        }
        if !spec.subcommands.isEmpty && argv.count >= 2 {
            guard let sub = spec.subcommand(argv[1]) else {
                ctx.reply.error(ErrorReplies.unknownSubcommand(argv[1].string, container: spec.name))
                ctx.client.transaction?.failed = true
                return
            }
            spec = sub
        }
        if !spec.accepts(argc: argv.count) {
            ctx.reply.error(ErrorReplies.arity(spec.fullName))
            ctx.client.transaction?.failed = true
            return
        }
        let flags = spec.gateFlags
        if !ctx.client.authenticated && !requirePass.isEmpty && !flags.contains(.noauth) {
            ctx.reply.error(ErrorReplies.noAuth)
            ctx.client.transaction?.failed = true
            return
        }
        if !ctx.fromScript && scriptInProgress && scripting.refusesWhileBusy(spec) {
            ctx.reply.error(ScriptErrors.busy)
            return
        }
        if ctx.fromScript && flags.contains(.noscript) {
            ctx.reply.error(ErrorReplies.notAllowedFromScript)
            return
        }
        if flags.contains(.write), let failure = context.persistence.writeError {
            ctx.reply.error(failure.hasPrefix("MISCONF") ? failure : ErrorReplies.misconfPrefix + failure)
            ctx.client.transaction?.failed = true
            return
        }
        if flags.contains(.write) && journal.isEnabled && !fitsInLogRecord(argv) {
            ctx.reply.error(ErrorReplies.writeTooLargeForLog)
            ctx.client.transaction?.failed = true
            return
        }
        if ctx.client.protocolVersion == 2 && ctx.client.subscriptions.isSubscribed
            && !flags.contains(.allowedWhileSubscribed) && !ctx.fromScript {
            ctx.reply.error(ErrorReplies.subscribedContext(spec.fullName))
            ctx.client.transaction?.failed = true
            return
        }
        if let tx = ctx.client.transaction, !ctx.fromScript, !flags.contains(.skipsQueue) {
            tx.queued.append(argv.map { $0.bytes })
            ctx.reply.status("QUEUED")
            return
        }
        ctx.spec = spec
        if !ctx.fromScript { ctx.client.info.lastCommand = spec.fullName }
        context.stats.totalCommandsProcessed &+= 1
        spec.handler(ctx)
        if !watchers.isEmpty && flags.contains(.write) { touchWatchedKeys(spec, ctx) }
    }

    /// Whether a write with these arguments can be logged: a record holds at most the
    /// arguments plus a varint length each and fixed fields, and must stay within
    /// `aof-max-record-size` (the codec cannot frame more; see docs/log-format.md).
    @inline(__always)
    func fitsInLogRecord(_ argv: UnsafeBufferPointer<ByteView>) -> Bool {
        var total = 32
        for i in 1..<argv.count { total += argv[i].count + 10 }
        return total <= journal.maxWritePayload
    }
}
