import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP
import LatchkeyScripting

// Server commands: CONFIG GET/SET/RESETSTAT, COMMAND (COUNT/INFO/DOCS/LIST), TIME, WAIT,
// SHUTDOWN and BGREWRITEAOF (both delegated to ServerControl). INFO is in InfoCommand.
#if canImport(Glibc)
import Glibc
#endif

enum ServerCommands {
    // MARK: CONFIG

    /// CONFIG GET parameter [parameter ...]
    /// As in Redis, a name without glob characters is echoed as the client spelled it (first
    /// spelling wins); a pattern lists the canonical names.
    static func configGet(_ ctx: CommandContext) {
        var matched: [(name: String, directive: Directive)] = []
        func add(_ name: String, _ d: Directive) {
            if !matched.contains(where: { $0.directive.name == d.name }) { matched.append((name, d)) }
        }
        for i in 2..<ctx.argc {
            let pattern = ctx[i].bytes
            if !pattern.contains(where: { $0 == 42 || $0 == 63 || $0 == 91 }) {  // * ? [
                let name = ctx[i].string
                if let d = ConfigTable.directive(named: name) { add(name, d) }
                continue
            }
            for d in ConfigTable.directives where Glob.matches(pattern, Bytes(d.name.utf8), caseInsensitive: true) {
                add(d.name, d)
            }
        }
        ctx.reply.mapHeader(matched.count)
        for (name, d) in matched {
            ctx.reply.bulk(string: name)
            ctx.reply.bulk(string: ctx.server.config.string(d.key))
        }
    }

    /// CONFIG SET parameter value [parameter value ...]
    static func configSet(_ ctx: CommandContext) {
        guard ctx.argc % 2 == 0 else {
            ctx.reply.error(ErrorReplies.arity("config|set"))
            return
        }
        var changes: [(Directive, String)] = []
        var i = 2
        while i < ctx.argc {
            let name = ctx[i].string
            guard let d = ConfigTable.directive(named: name) else {
                ctx.reply.error(ErrorReplies.configSetUnknown(name))
                return
            }
            guard d.mutable else {
                ctx.reply.error(ErrorReplies.configSetFailed(name, ErrorReplies.configImmutable))
                return
            }
            // Redis names the argument as spelled in the request here (range errors use the
            // directive's own name).
            guard !changes.contains(where: { $0.0.name == d.name }) else {
                ctx.reply.error(ErrorReplies.configSetFailed(name, ErrorReplies.configDuplicate))
                return
            }
            changes.append((d, ctx[i + 1].string))
            i += 2
        }
        // Validate everything first on a scratch config, so a bad pair changes nothing.
        let scratch = Config()
        for (d, v) in changes {
            if let problem = scratch.set(d.name, v) {
                ctx.reply.error(ErrorReplies.configSetFailed(d.name, problem))
                return
            }
        }
        // The log is the one directive whose change is an action, not a value: do it first, and
        // change nothing if it cannot be done.
        if let (_, v) = changes.first(where: { $0.0.name == "appendonly" }) {
            let on = v.lowercased() == "yes"
            if on != ctx.server.config.bool(.appendonly) {
                guard let toggle = ctx.server.appendOnlySwitch else {
                    ctx.reply.error(ErrorReplies.configSetFailed("appendonly", ErrorReplies.configImmutable))
                    return
                }
                if let problem = toggle(on) {
                    ctx.reply.error(ErrorReplies.configSetFailed("appendonly", problem))
                    return
                }
            }
        }
        for (d, v) in changes { ctx.server.config.set(d.name, v) }
        ctx.engine.configChanged()
        ctx.reply.ok()
    }

    /// CONFIG RESETSTAT
    static func configResetStat(_ ctx: CommandContext) {
        let connections = ctx.server.stats.totalConnectionsReceived
        ctx.server.stats = ServerStats()
        ctx.server.stats.totalConnectionsReceived = connections
        ctx.engine.resetCommandStats()
        ctx.reply.ok()
    }

    /// CONFIG REWRITE is not supported (no config file rewriting).
    static func configRewrite(_ ctx: CommandContext) { ctx.reply.error(ErrorReplies.noConfigFile) }

    // MARK: COMMAND

    /// COMMAND — every command's INFO entry.
    static func command(_ ctx: CommandContext) {
        if ctx.argc > 1 {  // unknown subcommands are caught by the gate; this is only bare COMMAND
            ctx.reply.error(ErrorReplies.unknownSubcommand(ctx[1].string, container: "command"))
            return
        }
        let specs = ctx.engine.commands.specs
        ctx.reply.arrayHeader(specs.count)
        for s in specs { commandInfoEntry(ctx.reply, s) }
    }

    /// COMMAND COUNT
    static func commandCount(_ ctx: CommandContext) { ctx.reply.integer(ctx.engine.commands.specs.count) }

    /// COMMAND LIST
    static func commandList(_ ctx: CommandContext) {
        let specs = ctx.engine.commands.specs
        ctx.reply.arrayHeader(specs.count)
        for s in specs { ctx.reply.bulk(s.nameBytes) }
    }

    /// COMMAND INFO [command-name ...]
    static func commandInfo(_ ctx: CommandContext) {
        let specs: [CommandSpec?] =
            ctx.argc == 2 ? ctx.engine.commands.specs : (2..<ctx.argc).map { ctx.engine.commands.find(ctx[$0]) }
        ctx.reply.arrayHeader(specs.count)
        for s in specs { if let s { commandInfoEntry(ctx.reply, s) } else { ctx.reply.nullArray() } }
    }

    static func commandInfoEntry(_ r: ReplyWriter, _ s: CommandSpec) {
        r.arrayHeader(10)
        r.bulk(string: s.fullName)
        r.integer(Int64(s.arity))
        let flags = s.flags.names
        r.setHeader(flags.count)
        for f in flags { r.status(bytes: Bytes(f.utf8)) }
        r.integer(Int64(s.firstKey))
        r.integer(Int64(s.lastKey))
        r.integer(Int64(s.keyStep))
        r.setHeader(1)
        r.status(bytes: Bytes(("@" + s.group).utf8))
        r.setHeader(0)
        r.arrayHeader(0)
        r.arrayHeader(s.subcommands.count)
        for sub in s.subcommands { commandInfoEntry(r, sub) }
    }

    /// COMMAND DOCS [command-name ...]
    static func commandDocs(_ ctx: CommandContext) {
        let specs: [CommandSpec] =
            ctx.argc == 2 ? ctx.engine.commands.specs : (2..<ctx.argc).compactMap { ctx.engine.commands.find(ctx[$0]) }
        ctx.reply.mapHeader(specs.count)
        for s in specs { docsEntry(ctx.reply, s) }
    }

    static func docsEntry(_ r: ReplyWriter, _ s: CommandSpec) {
        r.bulk(string: s.fullName)
        let arguments = ArgumentDoc.parse(s.syntax)
        r.mapHeader(3 + (arguments.isEmpty ? 0 : 1) + (s.subcommands.isEmpty ? 0 : 1))
        r.bulk(string: "summary")
        r.bulk(string: s.summary)
        r.bulk(string: "since")
        r.bulk(string: s.since)
        r.bulk(string: "group")
        r.bulk(string: s.group)
        if !arguments.isEmpty {
            r.bulk(string: "arguments")
            argumentDocs(r, arguments)
        }
        if !s.subcommands.isEmpty {
            r.bulk(string: "subcommands")
            r.mapHeader(s.subcommands.count)
            for sub in s.subcommands { docsEntry(r, sub) }
        }
    }

    /// Redis's argument maps: name, type, token, flags (a set of status words), nested arguments.
    static func argumentDocs(_ r: ReplyWriter, _ args: [ArgumentDoc]) {
        r.arrayHeader(args.count)
        for a in args {
            let flags = (a.optional ? ["optional"] : []) + (a.multiple ? ["multiple"] : [])
            r.mapHeader(2 + (a.token == nil ? 0 : 1) + (flags.isEmpty ? 0 : 1) + (a.children.isEmpty ? 0 : 1))
            r.bulk(string: "name")
            r.bulk(string: a.name)
            r.bulk(string: "type")
            r.bulk(string: a.type)
            if let token = a.token {
                r.bulk(string: "token")
                r.bulk(string: token)
            }
            if !flags.isEmpty {
                r.bulk(string: "flags")
                r.setHeader(flags.count)
                for f in flags { r.status(bytes: Bytes(f.utf8)) }
            }
            if !a.children.isEmpty {
                r.bulk(string: "arguments")
                argumentDocs(r, a.children)
            }
        }
    }

    // MARK: misc

    /// TIME, on the server clock (LATCHKEY CLOCK moves it as it moves key TTLs).
    static func time(_ ctx: CommandContext) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let micros = ctx.server.serverClock.nowMicros(
            realMicros: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec / 1000))
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk(ASCII.decimal(micros / 1_000_000))
        ctx.reply.bulk(ASCII.decimal(micros % 1_000_000))
    }

    /// WAIT numreplicas timeout — no replicas: always 0.
    static func wait(_ ctx: CommandContext) {
        guard ctx.int64OrReply(1) != nil, let t = ctx.int64OrReply(2) else { return }
        if t < 0 {
            ctx.reply.error(ErrorReplies.timeoutNegative)
            return
        }
        ctx.reply.integer(0)
    }

    /// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
    static func shutdown(_ ctx: CommandContext) {
        var save = ctx.server.config.bool(.appendonly)
        var noSave = false
        for i in 1..<ctx.argc {
            if ctx.arg(i, is: "NOSAVE") {
                save = false
                noSave = true
            } else if ctx.arg(i, is: "SAVE") {
                save = true
            } else if ctx.arg(i, is: "NOW") || ctx.arg(i, is: "FORCE") {
                continue
            } else {
                ctx.reply.error(ErrorReplies.syntax)
                return
            }
        }
        // During a busy script only SHUTDOWN NOSAVE goes through (the server then stops the
        // script), as in Redis.
        if !noSave && ctx.engine.scripting.interpreter.isRunning {
            ctx.reply.error(ScriptErrors.busy)
            return
        }
        guard let control = ctx.server.control else {
            ctx.reply.error(ErrorReplies.shutdownFailed)
            return
        }
        control.requestShutdown(save: save)
        // Redis sends no reply on success: the connection just closes.
        ctx.client.info.outbox.closeAfterFlush = true
    }

    /// BGREWRITEAOF
    static func bgrewriteaof(_ ctx: CommandContext) {
        guard let control = ctx.server.control else {
            ctx.reply.error(ErrorReplies.rewriteUnavailable)
            return
        }
        if let problem = control.requestLogRewrite() {
            ctx.reply.error(problem.hasPrefix("ERR") ? problem : "ERR " + problem)
        } else {
            ctx.reply.status("Background append only file rewriting started")
        }
    }
}
