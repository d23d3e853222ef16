// Connection commands: PING, ECHO, QUIT, RESET, SELECT, HELLO, AUTH and the CLIENT family.
// They change only the calling connection's state (protocol, db, name, authentication), except
// CLIENT KILL, which asks other connections to close through their ClientInfo.
import LatchkeyCore
import LatchkeyRESP

enum ConnectionCommands {
    /// PING [message]
    static func ping(_ ctx: CommandContext) {
        if ctx.argc > 2 {
            ctx.reply.error(ErrorReplies.arity("ping"))
        } else if ctx.client.protocolVersion == 2 && ctx.client.subscriptions.isSubscribed {
            // Subscribed mode: a message-shaped ["pong", message-or-empty], as Redis.
            ctx.reply.arrayHeader(2)
            ctx.reply.bulk(string: "pong")
            if ctx.argc == 2 { ctx.reply.bulk(ctx[1]) } else { ctx.reply.bulk(string: "") }
        } else if ctx.argc == 2 {
            ctx.reply.bulk(ctx[1])
        } else {
            ctx.reply.status("PONG")
        }
    }

    /// ECHO message
    static func echo(_ ctx: CommandContext) { ctx.reply.bulk(ctx[1]) }

    /// QUIT — replies +OK, then the connection closes once the reply is written.
    static func quit(_ ctx: CommandContext) {
        ctx.reply.ok()
        if !ctx.fromScript { ctx.client.info.outbox.closeAfterFlush = true }
    }

    /// RESET — back to RESP2, db 0, no name, and unauthenticated when a password is required.
    static func reset(_ ctx: CommandContext) {
        ctx.client.transaction = nil
        ctx.engine.unwatchAll(ctx.client)
        ctx.engine.pubsub.removeAll(ctx.client)
        ctx.client.db = 0
        ctx.client.protocolVersion = 2
        ctx.reply.protocolVersion = 2
        ctx.client.name = []
        ctx.client.authenticated = ctx.engine.requirePass.isEmpty
        ctx.reply.status("RESET")
    }

    /// SELECT index
    static func select(_ ctx: CommandContext) {
        guard let n = ctx.int64OrReply(1) else { return }
        guard n >= 0 && n < Int64(ctx.keyspace.databaseCount) else {
            ctx.reply.error(ErrorReplies.dbOutOfRange)
            return
        }
        ctx.client.db = Int(n)
        ctx.reply.ok()
    }

    /// Whether `user`/`pass` authenticate the default user.
    static func credentialsValid(_ ctx: CommandContext, user: ByteView, pass: ByteView) -> Bool {
        guard user.equals(Bytes("default".utf8)) else { return false }
        let required = ctx.engine.requirePass
        return required.isEmpty || ConstantTime.equals(pass, required)
    }

    /// AUTH [username] password
    static func auth(_ ctx: CommandContext) {
        if ctx.argc > 3 {
            ctx.reply.error(ErrorReplies.syntax)
            return
        }
        let valid: Bool
        if ctx.argc == 2 {
            if ctx.engine.requirePass.isEmpty {
                ctx.reply.error(ErrorReplies.authNotConfigured)
                return
            }
            valid = ConstantTime.equals(ctx[1], ctx.engine.requirePass)
        } else {
            valid = credentialsValid(ctx, user: ctx[1], pass: ctx[2])
        }
        if valid {
            ctx.client.authenticated = true
            ctx.reply.ok()
        } else {
            ctx.reply.error(ErrorReplies.wrongPass)
        }
    }

    /// HELLO [protover [AUTH username password] [SETNAME clientname]]
    static func hello(_ ctx: CommandContext) {
        var version = 0
        var j = 1
        if ctx.argc >= 2 {
            guard let v = ASCII.parseInt64(ctx[1]) else {
                ctx.reply.error(ErrorReplies.protoNotInteger)
                return
            }
            if v < 2 || v > 3 {
                ctx.reply.error(ErrorReplies.noProto)
                return
            }
            version = Int(v)
            j = 2
        }
        var credentials: (ByteView, ByteView)? = nil
        var name: ByteView? = nil
        while j < ctx.argc {
            let more = ctx.argc - 1 - j
            if ctx.arg(j, is: "AUTH") && more >= 2 {
                credentials = (ctx[j + 1], ctx[j + 2])
                j += 3
            } else if ctx.arg(j, is: "SETNAME") && more >= 1 {
                guard validClientName(ctx[j + 1]) else {
                    ctx.reply.error(ErrorReplies.clientNameChars)
                    return
                }
                name = ctx[j + 1]
                j += 2
            } else {
                ctx.reply.error(ErrorReplies.helloOption(ctx[j].string))
                return
            }
        }
        if let (user, pass) = credentials {
            guard credentialsValid(ctx, user: user, pass: pass) else {
                ctx.reply.error(ErrorReplies.wrongPass)
                return
            }
            ctx.client.authenticated = true
        }
        if !ctx.client.authenticated && !ctx.engine.requirePass.isEmpty {
            ctx.reply.error(ErrorReplies.helloNoAuth)
            return
        }
        if let name { ctx.client.name = name.bytes }
        if version != 0 {
            ctx.client.protocolVersion = version
            ctx.reply.protocolVersion = version
        }
        let r = ctx.reply
        r.mapHeader(7)
        r.bulk(string: "server")
        r.bulk(string: "redis")
        r.bulk(string: "version")
        r.bulk(string: CommandEngine.redisVersion)
        r.bulk(string: "proto")
        r.integer(Int64(ctx.client.protocolVersion))
        r.bulk(string: "id")
        r.integer(Int64(ctx.client.info.id))
        r.bulk(string: "mode")
        r.bulk(string: "standalone")
        r.bulk(string: "role")
        r.bulk(string: "master")
        r.bulk(string: "modules")
        r.arrayHeader(0)
    }

    /// Redis allows names of printable ASCII without spaces ('!' through '~').
    static func validClientName(_ v: ByteView) -> Bool {
        for i in 0..<v.count where v[i] < 33 || v[i] > 126 { return false }
        return true
    }
}
