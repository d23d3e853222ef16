// CLIENT subcommands: ID, SETNAME, GETNAME, SETINFO, LIST, INFO, KILL, UNBLOCK, NO-EVICT, NO-TOUCH, HELP.
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
        ctx.client.name = ctx[2].bytes
        ctx.reply.ok()
    }

    /// CLIENT GETNAME
    static func getname(_ ctx: CommandContext) {
        let name = ctx.client.name
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
        if isName { ctx.client.libName = ctx[3].bytes } else { ctx.client.libVersion = ctx[3].bytes }
        ctx.reply.ok()
    }

    /// One CLIENT LIST line (without the trailing newline), in Redis 7.2's field order.
    /// `state` holds the client's name, database, library and last command; `session` is the
    /// state of its connection's session (nil for scripts' fake client, shown as a fresh RESP2
    /// client with no subscriptions, as before the client fields left ClientInfo).
    static func describe(_ c: ClientInfo, state: RESPClientState?, session: RESPClientState?, now: Int64) -> String {
        let resp = session?.protocolVersion ?? 2
        let age = (now - c.createdAtMs) / 1000
        let idle = (now - c.lastInteractionMs) / 1000
        let subs = session?.subscriptions ?? Subscriptions()
        let multi = session?.transaction.map { $0.queued.count } ?? -1
        var flags = ""
        if multi >= 0 { flags += "x" }
        if subs.isSubscribed { flags += "P" }
        if session?.blocked != nil { flags += "b" }  // blocked in BLPOP & co.
        if flags.isEmpty { flags = "N" }
        let name = (state?.name ?? []).string
        return "id=\(c.id) addr=\(c.peerAddress) laddr=\(c.localAddress) fd=-1 name=\(name) age=\(age) "
            + "idle=\(idle) flags=\(flags) db=\(state?.db ?? 0) sub=\(subs.channels.count) psub=\(subs.patterns.count) "
            + "ssub=\(subs.shardChannels.count) multi=\(multi) qbuf=0 qbuf-free=0 argv-mem=0 "
            + "multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=\(c.outbox.bytes.count) tot-mem=0 events=r "
            + "cmd=\(state?.lastCommand ?? "NULL") user=default redir=-1 resp=\(resp) "
            + "lib-name=\((state?.libName ?? []).string) lib-ver=\((state?.libVersion ?? []).string)"
    }

    /// The CLIENT LIST line of a connected client (its session's state).
    static func describe(_ c: ClientInfo, engine: CommandEngine, now: Int64) -> String {
        let session = engine.sessions[c.id]?.client
        return describe(c, state: session, session: session, now: now)
    }

    /// CLIENT LIST [TYPE normal|master|replica|pubsub] | CLIENT LIST ID id [id ...]
    /// Redis 7.0: one filter or none; IDs are listed in argument order (repeats repeated).
    static func list(_ ctx: CommandContext) {
        var clients = ctx.server.clients.values.filter { $0.kind == .resp }.sorted { $0.id < $1.id }
        if clients.isEmpty && ctx.client.info.id != 0 { clients = [ctx.client.info] }
        if ctx.argc == 4 && ctx.arg(2, is: "TYPE") {
            guard let type = ClientType(ctx[3]) else {
                ctx.reply.error(ErrorReplies.unknownClientType(ctx[3].string))
                return
            }
            clients = clients.filter { clientType($0, ctx) == type }
        } else if ctx.argc > 3 && ctx.arg(2, is: "ID") {
            var picked: [ClientInfo] = []
            for i in 3..<ctx.argc {
                guard let id = ASCII.parseInt64(ctx[i]) else {
                    ctx.reply.error(ErrorReplies.invalidClientID)
                    return
                }
                if let c = clients.first(where: { Int64(bitPattern: $0.id) == id }) { picked.append(c) }
            }
            clients = picked
        } else if ctx.argc != 2 {
            ctx.reply.error(ErrorReplies.syntax)
            return
        }
        var text = ""
        for c in clients {
            let session = ctx.engine.sessions[c.id]?.client
            let state = session ?? (c === ctx.client.info ? ctx.client : nil)
            text += describe(c, state: state, session: session, now: ctx.server.nowMs) + "\n"
        }
        ctx.reply.verbatim(Bytes(text.utf8))
    }

    /// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
    static func unblock(_ ctx: CommandContext) {
        var withError = false
        if ctx.argc == 4 {
            if ctx.arg(3, is: "ERROR") {
                withError = true
            } else if !ctx.arg(3, is: "TIMEOUT") {
                ctx.reply.error(ErrorReplies.unblockReason)
                return
            }
        } else if ctx.argc > 4 {
            ctx.reply.error(ErrorReplies.syntax)
            return
        }
        guard let id = ASCII.parseInt64(ctx[2]) else {
            ctx.reply.error(ErrorReplies.notInteger)
            return
        }
        let done = id > 0 && ctx.engine.unblockClient(id: UInt64(id), withError: withError)
        ctx.reply.integer(done ? 1 : 0)
    }

    /// Redis's client types (CLIENT KILL/LIST TYPE). `slave` is `replica`'s old name.
    enum ClientType {
        case normal, master, replica, pubsub

        init?(_ v: ByteView) {
            if v.equalsUppercase("NORMAL") {
                self = .normal
            } else if v.equalsUppercase("MASTER") {
                self = .master
            } else if v.equalsUppercase("REPLICA") || v.equalsUppercase("SLAVE") {
                self = .replica
            } else if v.equalsUppercase("PUBSUB") {
                self = .pubsub
            } else {
                return nil
            }
        }
    }

    /// A client's type: there are no replication links here, so never master or replica; a
    /// client is `pubsub` while it has any subscription (channel, pattern or shard channel).
    static func clientType(_ c: ClientInfo, _ ctx: CommandContext) -> ClientType {
        ctx.engine.sessions[c.id]?.client.subscriptions.isSubscribed == true ? .pubsub : .normal
    }

    /// CLIENT INFO
    static func info(_ ctx: CommandContext) {
        let session = ctx.engine.sessions[ctx.client.info.id]?.client
        let line = describe(ctx.client.info, state: ctx.client, session: session, now: ctx.server.nowMs)
        ctx.reply.verbatim(Bytes((line + "\n").utf8))
    }

    /// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER name] [ADDR ip:port]
    /// [LADDR ip:port] [SKIPME yes|no] — Redis 7.0's filters (MAXAGE is 7.4's: a syntax error).
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
        var type: ClientType? = nil
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
                if v.equalsUppercase("YES") {
                    skipMe = true
                } else if v.equalsUppercase("NO") {
                    skipMe = false
                } else {
                    ctx.reply.error(ErrorReplies.syntax)
                    return
                }
            } else if ctx.arg(i, is: "TYPE") {
                guard let t = ClientType(v) else {
                    ctx.reply.error(ErrorReplies.unknownClientType(v.string))
                    return
                }
                type = t
            } else if ctx.arg(i, is: "USER") {
                // One user exists, `default`, and every client is authenticated as it.
                guard v.string == "default" else {
                    ctx.reply.error(ErrorReplies.noSuchUser(v.string))
                    return
                }
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
            if let type, clientType(c, ctx) != type { continue }
            if skipMe && c === me { continue }
            killed += 1
            c.requestClose()
        }
        ctx.reply.integer(killed)
    }

    /// CLIENT NO-EVICT on|off, CLIENT NO-TOUCH on|off (accepted; nothing is evicted here)
    static func onOff(_ ctx: CommandContext) {
        if ctx.arg(2, is: "ON") || ctx.arg(2, is: "OFF") {
            ctx.reply.ok()
        } else {
            ctx.reply.error(ErrorReplies.syntax)
        }
    }

    /// CLIENT HELP
    static func help(_ ctx: CommandContext) {
        let lines = [
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "ID",
            "    Return the ID of the current connection.", "GETNAME", "    Return the name of the current connection.",
            "SETNAME <name>", "    Assign the name <name> to the current connection.",
            "SETINFO <LIB-NAME|LIB-VER> <value>", "    Set client library name or version.", "LIST",
            "    Return information about client connections.", "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port> | KILL [ID id] [TYPE type] [USER name] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no]",
            "    Kill connections.", "HELP", "    Print this help.",
        ]
        ctx.reply.arrayHeader(lines.count)
        for l in lines { ctx.reply.status(bytes: Bytes(l.utf8)) }
    }
}
