// CLIENT subcommands: ID, SETNAME, GETNAME, SETINFO, LIST, INFO, KILL, NO-EVICT, NO-TOUCH, HELP.
// Unknown subcommands (e.g. redis-py 8's MAINT_NOTIFICATIONS) get Redis's text from the gate.
import LatchkeyCore
import LatchkeyRESP

enum ClientCommands {
    /// CLIENT ID
    static func id(_ ctx: CommandContext) { ctx.reply.integer(Int64(ctx.client.info.id)) }

    /// CLIENT SETNAME name
    static func setname(_ ctx: CommandContext) {
        guard ConnectionCommands.validClientName(ctx[2]) else {
            ctx.reply.error(ErrorReplies.clientNameChars)
            return
        }
        ctx.client.info.name = ctx[2].bytes
        ctx.reply.ok()
    }

    /// CLIENT GETNAME
    static func getname(_ ctx: CommandContext) {
        let name = ctx.client.info.name
        if name.isEmpty { ctx.reply.null() } else { ctx.reply.bulk(name) }
    }

    /// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
    static func setinfo(_ ctx: CommandContext) {
        let isName = ctx.arg(2, is: "LIB-NAME")
        guard isName || ctx.arg(2, is: "LIB-VER") else {
            ctx.reply.error(ErrorReplies.unrecognizedOption(ctx[2].string))
            return
        }
        guard ConnectionCommands.validClientName(ctx[3]) else {
            ctx.reply.error(ErrorReplies.libInfoChars(isName ? "lib-name" : "lib-ver"))
            return
        }
        if isName { ctx.client.info.libName = ctx[3].bytes } else { ctx.client.info.libVersion = ctx[3].bytes }
        ctx.reply.ok()
    }

    /// One CLIENT LIST line (without the trailing newline), in Redis 7.2's field order.
    static func describe(_ c: ClientInfo, engine: CommandEngine, now: Int64) -> String {
        let session = engine.sessions[c.id]
        let resp = session?.client.protocolVersion ?? 2
        let age = (now - c.createdAtMs) / 1000
        let idle = (now - c.lastInteractionMs) / 1000
        return "id=\(c.id) addr=\(c.peerAddress) laddr=\(c.localAddress) fd=-1 name=\(c.name.string) age=\(age) "
            + "idle=\(idle) flags=N db=\(c.db) sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 "
            + "multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=\(c.outbox.bytes.count) tot-mem=0 events=r "
            + "cmd=\(c.lastCommand) user=default redir=-1 resp=\(resp) lib-name=\(c.libName.string) "
            + "lib-ver=\(c.libVersion.string)"
    }

    /// CLIENT LIST [TYPE normal] [ID id ...]
    static func list(_ ctx: CommandContext) {
        var text = ""
        let clients = ctx.server.clients.values.filter { $0.kind == .resp }.sorted { $0.id < $1.id }
        for c in clients { text += describe(c, engine: ctx.engine, now: ctx.server.nowMs) + "\n" }
        if clients.isEmpty && ctx.client.info.id != 0 {
            text = describe(ctx.client.info, engine: ctx.engine, now: ctx.server.nowMs) + "\n"
        }
        ctx.reply.verbatim(Bytes(text.utf8))
    }

    /// CLIENT INFO
    static func info(_ ctx: CommandContext) {
        ctx.reply.verbatim(Bytes((describe(ctx.client.info, engine: ctx.engine, now: ctx.server.nowMs) + "\n").utf8))
    }

    /// CLIENT KILL ip:port | CLIENT KILL [ID id] [ADDR ip:port] [LADDR ip:port] [TYPE normal] [SKIPME yes|no]
    static func kill(_ ctx: CommandContext) {
        let me = ctx.client.info
        let candidates = ctx.server.clients.values.filter { $0.kind == .resp }
        if ctx.argc == 3 {
            let addr = ctx[2].string
            guard let target = candidates.first(where: { $0.peerAddress == addr }) else {
                ctx.reply.error(ErrorReplies.noSuchClient)
                return
            }
            ctx.reply.ok()
            target.requestClose()
            return
        }
        var id: UInt64? = nil
        var addr: String? = nil
        var laddr: String? = nil
        var skipMe = true
        var i = 2
        while i < ctx.argc {
            guard i + 1 < ctx.argc else {
                ctx.reply.error(ErrorReplies.syntax)
                return
            }
            let v = ctx[i + 1]
            if ctx.arg(i, is: "ID") {
                guard let n = ASCII.parseInt64(v), n > 0 else {
                    ctx.reply.error(ErrorReplies.clientIDPositive)
                    return
                }
                id = UInt64(n)
            } else if ctx.arg(i, is: "ADDR") {
                addr = v.string
            } else if ctx.arg(i, is: "LADDR") {
                laddr = v.string
            } else if ctx.arg(i, is: "SKIPME") {
                if v.equalsUppercase("YES") { skipMe = true } else if v.equalsUppercase("NO") { skipMe = false } else {
                    ctx.reply.error(ErrorReplies.syntax)
                    return
                }
            } else if ctx.arg(i, is: "TYPE") {
                guard v.equalsUppercase("NORMAL") || v.equalsUppercase("PUBSUB") || v.equalsUppercase("MASTER")
                    || v.equalsUppercase("REPLICA") || v.equalsUppercase("SLAVE") else {
                    ctx.reply.error(ErrorReplies.unknownClientType(v.string))
                    return
                }
            } else if ctx.arg(i, is: "USER") || ctx.arg(i, is: "MAXAGE") {
                // accepted and ignored: there is one user, and no filter by age
            } else {
                ctx.reply.error(ErrorReplies.syntax)
                return
            }
            i += 2
        }
        var killed: Int64 = 0
        for c in candidates {
            if let id, c.id != id { continue }
            if let addr, c.peerAddress != addr { continue }
            if let laddr, c.localAddress != laddr { continue }
            if skipMe && c === me { continue }
            killed += 1
            c.requestClose()
        }
        ctx.reply.integer(killed)
    }

    /// CLIENT NO-EVICT on|off, CLIENT NO-TOUCH on|off (accepted; nothing is evicted here)
    static func onOff(_ ctx: CommandContext) {
        if ctx.arg(2, is: "ON") || ctx.arg(2, is: "OFF") { ctx.reply.ok() } else { ctx.reply.error(ErrorReplies.syntax) }
    }

    /// CLIENT HELP
    static func help(_ ctx: CommandContext) {
        let lines = [
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ID", "    Return the ID of the current connection.",
            "GETNAME", "    Return the name of the current connection.",
            "SETNAME <name>", "    Assign the name <name> to the current connection.",
            "SETINFO <LIB-NAME|LIB-VER> <value>", "    Set client library name or version.",
            "LIST", "    Return information about client connections.",
            "INFO", "    Return information about the current client connection.",
            "KILL <ip:port> | KILL [ID id] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no]",
            "    Kill connections.",
            "HELP", "    Print this help.",
        ]
        ctx.reply.arrayHeader(lines.count)
        for l in lines { ctx.reply.status(bytes: Bytes(l.utf8)) }
    }
}
