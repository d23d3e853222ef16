// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE, PUBLISH
// SPUBLISH and the PUBSUB introspection family. Confirmations are pushes (`>` in RESP3, arrays in
// RESP2) with Redis's counts; the registry and delivery are PubSubHub's. Subscribed-mode rules
// (RESP2 allows only these, PING, QUIT and RESET) are enforced by the gate.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

enum PubSubCommands {
    static let subscribeWord = Bytes("subscribe".utf8)
    static let unsubscribeWord = Bytes("unsubscribe".utf8)
    static let psubscribeWord = Bytes("psubscribe".utf8)
    static let punsubscribeWord = Bytes("punsubscribe".utf8)
    static let ssubscribeWord = Bytes("ssubscribe".utf8)
    static let sunsubscribeWord = Bytes("sunsubscribe".utf8)

    /// SUBSCRIBE channel [channel ...]
    static func subscribe(_ ctx: CommandContext) { subscribeGeneric(ctx, .channel, subscribeWord) }
    /// PSUBSCRIBE pattern [pattern ...]
    static func psubscribe(_ ctx: CommandContext) { subscribeGeneric(ctx, .pattern, psubscribeWord) }
    /// SSUBSCRIBE shardchannel [shardchannel ...]
    static func ssubscribe(_ ctx: CommandContext) { subscribeGeneric(ctx, .shard, ssubscribeWord) }
    /// UNSUBSCRIBE [channel ...]
    static func unsubscribe(_ ctx: CommandContext) { unsubscribeGeneric(ctx, .channel, unsubscribeWord) }
    /// PUNSUBSCRIBE [pattern ...]
    static func punsubscribe(_ ctx: CommandContext) { unsubscribeGeneric(ctx, .pattern, punsubscribeWord) }
    /// SUNSUBSCRIBE [shardchannel ...]
    static func sunsubscribe(_ ctx: CommandContext) { unsubscribeGeneric(ctx, .shard, sunsubscribeWord) }

    /// The count a confirmation carries: channels + patterns, or shard channels for S*.
    static func count(_ c: RESPClientState, _ kind: SubscriptionKind) -> Int {
        kind == .shard ? c.subscriptions.shardChannels.count : c.subscriptions.count
    }

    static func confirm(_ ctx: CommandContext, _ word: Bytes, _ name: Bytes?, _ kind: SubscriptionKind) {
        ctx.reply.pushHeader(3)
        ctx.reply.bulk(word)
        if let name { ctx.reply.bulk(name) } else { ctx.reply.null() }
        ctx.reply.integer(count(ctx.client, kind))
    }

    static func subscribeGeneric(_ ctx: CommandContext, _ kind: SubscriptionKind, _ word: Bytes) {
        let hub = ctx.engine.pubsub
        for i in 1..<ctx.argc {
            let name = ctx[i].bytes
            _ = hub.subscribe(ctx.client, name, kind)
            confirm(ctx, word, name, kind)
        }
    }

    static func unsubscribeGeneric(_ ctx: CommandContext, _ kind: SubscriptionKind, _ word: Bytes) {
        let hub = ctx.engine.pubsub
        if ctx.argc > 1 {
            for i in 1..<ctx.argc {
                let name = ctx[i].bytes
                _ = hub.unsubscribe(ctx.client, name, kind)
                confirm(ctx, word, name, kind)
            }
            return
        }
        let current: [Bytes]
        switch kind {
        case .channel: current = ctx.client.subscriptions.channels.items
        case .pattern: current = ctx.client.subscriptions.patterns.items
        case .shard: current = ctx.client.subscriptions.shardChannels.items
        }
        if current.isEmpty { return confirm(ctx, word, nil, kind) }
        for name in current {
            _ = hub.unsubscribe(ctx.client, name, kind)
            confirm(ctx, word, name, kind)
        }
    }

    /// PUBLISH channel message — replies with the number of clients that received it.
    static func publish(_ ctx: CommandContext) {
        let n = ctx.engine.pubsub.publish(channel: ctx[1].bytes, message: ctx[2].bytes, nowMs: ctx.server.nowMs)
        ctx.reply.integer(n)
    }

    /// SPUBLISH shardchannel message
    static func spublish(_ ctx: CommandContext) {
        let n = ctx.engine.pubsub.publishShard(channel: ctx[1].bytes, message: ctx[2].bytes, nowMs: ctx.server.nowMs)
        ctx.reply.integer(n)
    }

    // MARK: PUBSUB

    /// PUBSUB CHANNELS [pattern]
    static func channels(_ ctx: CommandContext) { listGeneric(ctx, ctx.engine.pubsub.channels) }
    /// PUBSUB SHARDCHANNELS [pattern]
    static func shardchannels(_ ctx: CommandContext) { listGeneric(ctx, ctx.engine.pubsub.shardChannels) }

    static func listGeneric(_ ctx: CommandContext, _ table: [Bytes: [RESPClientState]]) {
        guard ctx.argc <= 3 else {
            // Redis names the subcommand as the client spelled it.
            ctx.reply.error(ErrorReplies.unknownSubcommandOrArity(ctx[1].string, container: "PUBSUB"))
            return
        }
        let pattern: Bytes? = ctx.argc == 3 ? ctx[2].bytes : nil
        let names = table.keys.filter { pattern == nil || Glob.matches(pattern!, $0) }.sorted {
            $0.lexicographicallyPrecedes($1)
        }
        ctx.reply.arrayHeader(names.count)
        for n in names { ctx.reply.bulk(n) }
    }

    /// PUBSUB NUMSUB [channel ...]
    static func numsub(_ ctx: CommandContext) { numsubGeneric(ctx, ctx.engine.pubsub.channels) }
    /// PUBSUB SHARDNUMSUB [shardchannel ...]
    static func shardnumsub(_ ctx: CommandContext) { numsubGeneric(ctx, ctx.engine.pubsub.shardChannels) }

    static func numsubGeneric(_ ctx: CommandContext, _ table: [Bytes: [RESPClientState]]) {
        ctx.reply.arrayHeader((ctx.argc - 2) * 2)  // a flat array in RESP3 too, as Redis
        for i in 2..<ctx.argc {
            ctx.reply.bulk(ctx[i])
            ctx.reply.integer(table[ctx[i].bytes]?.count ?? 0)
        }
    }

    /// PUBSUB NUMPAT
    static func numpat(_ ctx: CommandContext) { ctx.reply.integer(ctx.engine.pubsub.patternCount) }

    /// PUBSUB HELP
    static func help(_ ctx: CommandContext) {
        let lines = [
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').", "NUMPAT",
            "    Return number of subscriptions to patterns.", "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).", "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)", "HELP",
            "    Prints this help.",
        ]
        ctx.reply.arrayHeader(lines.count)
        for l in lines { ctx.reply.status(bytes: Bytes(l.utf8)) }
    }
}
