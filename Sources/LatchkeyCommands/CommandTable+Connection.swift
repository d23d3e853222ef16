// Command table rows: connection commands (PING, HELLO, AUTH, CLIENT ...) and pub/sub.
// Handlers are in ConnectionCommands.swift, ClientCommands.swift and PubSubCommands.swift.

extension CommandTable {
    private typealias S = CommandSpec

    nonisolated(unsafe) static let connection: [CommandSpec] = [
        S(
            "ping", arity: -1, flags: [.fast, .stale, .allowedWhileSubscribed], group: "connection",
            summary: "Returns the server's liveliness response.", syntax: "[message]", handler: ConnectionCommands.ping),
        S(
            "echo", arity: 2, flags: [.fast, .loading, .stale], group: "connection",
            summary: "Returns the given string.", syntax: "message", handler: ConnectionCommands.echo),
        S(
            "quit", arity: -1,
            flags: [.noscript, .loading, .stale, .fast, .noauth, .skipsQueue, .allowedWhileSubscribed],
            group: "connection", summary: "Closes the connection.", syntax: "", handler: ConnectionCommands.quit),
        S(
            "reset", arity: 1,
            flags: [.noscript, .loading, .stale, .fast, .noauth, .skipsQueue, .allowedWhileSubscribed],
            group: "connection", since: "6.2.0", summary: "Resets the connection.", syntax: "",
            handler: ConnectionCommands.reset),
        S(
            "select", arity: 2, flags: [.loading, .stale, .fast], group: "connection",
            summary: "Changes the selected database.", syntax: "index<integer>", handler: ConnectionCommands.select),
        S(
            "hello", arity: -1, flags: [.noscript, .loading, .stale, .fast, .noauth], group: "connection",
            since: "6.0.0", summary: "Handshakes with the Redis server.",
            syntax: "[arguments: protover<integer> [AUTH (username_password: username password)] [SETNAME clientname]]",
            handler: ConnectionCommands.hello),
        S(
            "auth", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noauth], group: "connection",
            summary: "Authenticates the connection.", syntax: "[username] password", handler: ConnectionCommands.auth),
        S(
            "client", arity: -2, flags: [], group: "connection", since: "2.4.0",
            summary: "A container for client connection commands.",
            syntax: "",
            subcommands: [
                S(
                    "id", arity: 2, flags: [.noscript, .loading, .stale], group: "connection", since: "5.0.0",
                    summary: "Returns the unique client ID of the connection.", syntax: "", handler: ClientCommands.id),
                S(
                    "setname", arity: 3, flags: [.noscript, .loading, .stale], group: "connection", since: "2.6.9",
                    summary: "Sets the connection name.", syntax: "connection-name", handler: ClientCommands.setname),
                S(
                    "getname", arity: 2, flags: [.noscript, .loading, .stale], group: "connection", since: "2.6.9",
                    summary: "Returns the name of the connection.", syntax: "", handler: ClientCommands.getname),
                S(
                    "setinfo", arity: 4, flags: [.noscript, .loading, .stale], group: "connection", since: "7.2.0",
                    summary: "Sets information specific to the client or connection.",
                    syntax: "(attr: LIB-NAME libname | LIB-VER libver)", handler: ClientCommands.setinfo),
                S(
                    "list", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                    since: "2.4.0", summary: "Lists open connections.",
                    syntax:
                        "[TYPE (normal_master_replica_pubsub: NORMAL | MASTER | REPLICA | PUBSUB)] [ID (id: client-id<integer>...)]",
                    handler: ClientCommands.list),
                S(
                    "info", arity: 2, flags: [.noscript, .loading, .stale], group: "connection", since: "6.2.0",
                    summary: "Returns information about the connection.", syntax: "", handler: ClientCommands.info),
                S(
                    "kill", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                    since: "2.4.0", summary: "Terminates open connections.",
                    syntax:
                        "(filter: ip:port | (new-format: [ID client-id<integer>] | [TYPE (normal_master_slave_pubsub: NORMAL | MASTER | SLAVE | REPLICA | PUBSUB)] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME yes/no])...)",
                    handler: ClientCommands.kill),
                S(
                    "no-evict", arity: 3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                    since: "7.0.0", summary: "Sets the client eviction mode of the connection.",
                    syntax: "(enabled: ON | OFF)", handler: ClientCommands.onOff),
                S(
                    "no-touch", arity: 3, flags: [.noscript, .loading, .stale], group: "connection", since: "7.2.0",
                    summary: "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
                    syntax: "(enabled: ON | OFF)", handler: ClientCommands.onOff),
                S(
                    "help", arity: 2, flags: [.loading, .stale], group: "connection", since: "5.0.0",
                    summary: "Returns helpful text about the different subcommands.", syntax: "",
                    handler: ClientCommands.help),
                S(
                    "unblock", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                    since: "5.0.0",
                    summary: "Unblocks a client blocked by a blocking command from a different connection.",
                    syntax: "client-id<integer> [timeout_error: TIMEOUT | ERROR]", handler: ClientCommands.unblock),
            ], handler: { _ in }),
    ]

    /// Pub/sub (PubSubCommands.swift). (Un)subscribe commands are the ones a RESP2 client in
    /// subscribed mode may still send.
    nonisolated(unsafe) static let pubsub: [CommandSpec] = {
        let listen: CommandFlags = [.pubsub, .noscript, .loading, .stale, .allowedWhileSubscribed]
        let info: CommandFlags = [.pubsub, .loading, .stale]
        return [
            S(
                "subscribe", arity: -2, flags: listen, group: "pubsub", since: "2.0.0",
                summary: "Listens for messages published to channels.", syntax: "channel...",
                handler: PubSubCommands.subscribe),
            S(
                "unsubscribe", arity: -1, flags: listen, group: "pubsub", since: "2.0.0",
                summary: "Stops listening to messages posted to channels.", syntax: "[channel...]",
                handler: PubSubCommands.unsubscribe),
            S(
                "psubscribe", arity: -2, flags: listen, group: "pubsub", since: "2.0.0",
                summary: "Listens for messages published to channels that match one or more patterns.",
                syntax: "(pattern: pattern<pattern>)...", handler: PubSubCommands.psubscribe),
            S(
                "punsubscribe", arity: -1, flags: listen, group: "pubsub", since: "2.0.0",
                summary: "Stops listening to messages published to channels that match one or more patterns.",
                syntax: "[pattern<pattern>...]", handler: PubSubCommands.punsubscribe),
            S(
                "ssubscribe", arity: -2, flags: listen, keys: (1, -1, 1), group: "pubsub", since: "7.0.0",
                summary: "Listens for messages published to shard channels.", syntax: "shardchannel...",
                handler: PubSubCommands.ssubscribe),
            S(
                "sunsubscribe", arity: -1, flags: listen, keys: (1, -1, 1), group: "pubsub", since: "7.0.0",
                summary: "Stops listening to messages posted to shard channels.", syntax: "[shardchannel...]",
                handler: PubSubCommands.sunsubscribe),
            S(
                "publish", arity: 3, flags: [.pubsub, .loading, .stale, .fast], group: "pubsub", since: "2.0.0",
                summary: "Posts a message to a channel.", syntax: "channel message", handler: PubSubCommands.publish),
            S(
                "spublish", arity: 3, flags: [.pubsub, .loading, .stale, .fast], keys: (1, 1, 1), group: "pubsub",
                since: "7.0.0", summary: "Post a message to a shard channel", syntax: "shardchannel message",
                handler: PubSubCommands.spublish),
            S(
                "pubsub", arity: -2, flags: [], group: "pubsub", since: "2.8.0",
                summary: "A container for Pub/Sub commands.",
                syntax: "",
                subcommands: [
                    S(
                        "channels", arity: -2, flags: info, group: "pubsub", since: "2.8.0",
                        summary: "Returns the active channels.", syntax: "[pattern<pattern>]",
                        handler: PubSubCommands.channels),
                    S(
                        "numsub", arity: -2, flags: info, group: "pubsub", since: "2.8.0",
                        summary: "Returns a count of subscribers to channels.", syntax: "[channel...]",
                        handler: PubSubCommands.numsub),
                    S(
                        "numpat", arity: 2, flags: info, group: "pubsub", since: "2.8.0",
                        summary: "Returns a count of unique pattern subscriptions.", syntax: "",
                        handler: PubSubCommands.numpat),
                    S(
                        "shardchannels", arity: -2, flags: info, group: "pubsub", since: "7.0.0",
                        summary: "Returns the active shard channels.", syntax: "[pattern<pattern>]",
                        handler: PubSubCommands.shardchannels),
                    S(
                        "shardnumsub", arity: -2, flags: info, group: "pubsub", since: "7.0.0",
                        summary: "Returns the count of subscribers of shard channels.",
                        syntax: "[shardchannel...]", handler: PubSubCommands.shardnumsub),
                    S(
                        "help", arity: 2, flags: [.loading, .stale], group: "pubsub", since: "6.2.0",
                        summary: "Returns helpful text about the different subcommands.", syntax: "",
                        handler: PubSubCommands.help),
                ], handler: { _ in }),
        ]
    }()
}
