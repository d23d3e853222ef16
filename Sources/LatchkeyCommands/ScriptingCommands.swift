// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD|EXISTS|FLUSH|KILL|HELP: argument checks and
// replies as Redis 7 (numkeys errors, NOSCRIPT, compile errors), and the command table rows. The
// interpreter (LatchkeyScripting) runs the script; ScriptRunner.swift connects it to the gate.
import LatchkeyCore
import LatchkeyRESP
import LatchkeyScripting

enum ScriptingCommands {
    static let numkeysNegative = "ERR Number of keys can't be negative"
    static let numkeysTooLarge = "ERR Number of keys can't be greater than number of args"
    static let flushOption = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"

    /// EVAL script numkeys [key ...] [arg ...]
    static func eval(_ ctx: CommandContext) { evalGeneric(ctx, bySHA: false, readOnly: false) }
    /// EVALSHA sha1 numkeys [key ...] [arg ...]
    static func evalsha(_ ctx: CommandContext) { evalGeneric(ctx, bySHA: true, readOnly: false) }
    /// EVAL_RO script numkeys [key ...] [arg ...]
    static func evalRO(_ ctx: CommandContext) { evalGeneric(ctx, bySHA: false, readOnly: true) }
    /// EVALSHA_RO sha1 numkeys [key ...] [arg ...]
    static func evalshaRO(_ ctx: CommandContext) { evalGeneric(ctx, bySHA: true, readOnly: true) }

    static func evalGeneric(_ ctx: CommandContext, bySHA: Bool, readOnly: Bool) {
        guard let numkeys = ctx.int64OrReply(2) else { return }
        if numkeys > Int64(ctx.argc - 3) {
            ctx.reply.error(numkeysTooLarge)
            return
        }
        if numkeys < 0 {
            ctx.reply.error(numkeysNegative)
            return
        }
        let runner = ctx.engine.scripting
        runner.readOnly = readOnly
        runner.nowMs = ctx.nowMs
        runner.client.db = ctx.client.db
        let keyEnd = 3 + Int(numkeys)
        let keys = UnsafeBufferPointer(rebasing: ctx.argv[3..<keyEnd])
        let args = UnsafeBufferPointer(rebasing: ctx.argv[keyEnd...])
        var sink = WriterSink(ctx: ctx)
        ctx.engine.scriptInProgress = true
        defer { ctx.engine.scriptInProgress = false }
        if bySHA {
            if !runner.interpreter.evalSHA(ctx[1], keys: keys, args: args, into: &sink) {
                ctx.reply.error(ScriptErrors.noScript)
            }
        } else {
            runner.interpreter.eval(body: ctx[1].buffer, keys: keys, args: args, into: &sink)
        }
    }

    /// SCRIPT LOAD script
    static func scriptLoad(_ ctx: CommandContext) {
        switch ctx.engine.scripting.interpreter.load(ctx[2].buffer) {
        case .loaded(let sha): ctx.reply.bulk(sha.hex)
        case .error(let text): ctx.reply.error(text)
        }
    }

    /// SCRIPT EXISTS sha1 [sha1 ...]
    static func scriptExists(_ ctx: CommandContext) {
        let lua = ctx.engine.scripting.interpreter
        ctx.reply.arrayHeader(ctx.argc - 2)
        for i in 2..<ctx.argc { ctx.reply.integer(lua.exists(ctx[i]) ? 1 : 0) }
    }

    /// SCRIPT FLUSH [ASYNC | SYNC] — both flush at once (the cache is small).
    static func scriptFlush(_ ctx: CommandContext) {
        if ctx.argc > 3 || (ctx.argc == 3 && !ctx.arg(2, is: "ASYNC") && !ctx.arg(2, is: "SYNC")) {
            ctx.reply.error(flushOption)
            return
        }
        ctx.engine.scripting.interpreter.flush()
        ctx.reply.ok()
    }

    /// SCRIPT KILL
    static func scriptKill(_ ctx: CommandContext) {
        switch ctx.engine.scripting.interpreter.requestKill() {
        case .notBusy: ctx.reply.error(ScriptErrors.notBusy)
        case .unkillable: ctx.reply.error(ScriptErrors.unkillable)
        case .killed: ctx.reply.ok()
        }
    }

    static let helpLines: [StaticString] = [
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.", "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.", "    * SYNC: Synchronously flush the scripts cache.",
        "KILL", "    Kill the currently executing Lua script.", "LOAD <script>",
        "    Load a script into the scripts cache without executing it.", "HELP", "    Prints this help.",
    ]

    /// SCRIPT HELP (Redis 7's text without the DEBUG entry: there is no debugger).
    static func scriptHelp(_ ctx: CommandContext) {
        ctx.reply.arrayHeader(helpLines.count)
        for l in helpLines { ctx.reply.status(l) }
    }
}
