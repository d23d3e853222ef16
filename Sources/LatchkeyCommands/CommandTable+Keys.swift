// Command table rows: the generic key commands (DEL, EXPIRE, SCAN, RENAME, OBJECT ...) and
// MULTI/EXEC/WATCH. Handlers are in KeyCommands*.swift and TransactionCommands.swift.

extension CommandTable {
    private typealias S = CommandSpec

    nonisolated(unsafe) static let keys: [CommandSpec] = [
        S(
            "del", arity: -2, flags: [.write], keys: (1, -1, 1), group: "generic", summary: "Deletes one or more keys.",
            syntax: "key...", handler: KeyCommands.del),
        S(
            "unlink", arity: -2, flags: [.write, .fast], keys: (1, -1, 1), group: "generic", since: "4.0.0",
            summary: "Asynchronously deletes one or more keys.", syntax: "key...", handler: KeyCommands.del),
        S(
            "exists", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "generic",
            summary: "Determines whether one or more keys exist.", syntax: "key...", handler: KeyCommands.exists),
        S(
            "type", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Determines the type of value stored at a key.", syntax: "key", handler: KeyCommands.type),
        S(
            "expire", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Sets the expiration time of a key in seconds.",
            syntax: "key seconds<integer> [condition: NX | XX | GT | LT]", handler: KeyCommands.expire),
        S(
            "pexpire", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "2.6.0",
            summary: "Sets the expiration time of a key in milliseconds.",
            syntax: "key milliseconds<integer> [condition: NX | XX | GT | LT]", handler: KeyCommands.pexpire),
        S(
            "expireat", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "1.2.0",
            summary: "Sets the expiration time of a key to a Unix timestamp.",
            syntax: "key unix-time-seconds<unix-time> [condition: NX | XX | GT | LT]", handler: KeyCommands.expireat),
        S(
            "pexpireat", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "2.6.0",
            summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.",
            syntax: "key unix-time-milliseconds<unix-time> [condition: NX | XX | GT | LT]",
            handler: KeyCommands.pexpireat),
        S(
            "ttl", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Returns the expiration time in seconds of a key.", syntax: "key", handler: KeyCommands.ttl),
        S(
            "pttl", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic", since: "2.6.0",
            summary: "Returns the expiration time in milliseconds of a key.", syntax: "key", handler: KeyCommands.pttl),
        S(
            "expiretime", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic", since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix timestamp.", syntax: "key",
            handler: KeyCommands.expiretime),
        S(
            "pexpiretime", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic", since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.",
            syntax: "key", handler: KeyCommands.pexpiretime),
        S(
            "persist", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "2.2.0",
            summary: "Removes the expiration time of a key.", syntax: "key", handler: KeyCommands.persist),
        S(
            "keys", arity: 2, flags: [.readonly], group: "generic",
            summary: "Returns all key names that match a pattern.", syntax: "pattern<pattern>",
            handler: KeyCommands.keys),
        S(
            "scan", arity: -2, flags: [.readonly], group: "generic", since: "2.8.0",
            summary: "Iterates over the key names in the database.",
            syntax: "cursor<integer> [MATCH pattern<pattern>] [COUNT count<integer>] [TYPE type]",
            handler: KeyCommands.scan),
        S(
            "dbsize", arity: 1, flags: [.readonly, .fast], group: "server",
            summary: "Returns the number of keys in the database.", syntax: "", handler: KeyCommands.dbsize),
        S(
            "flushdb", arity: -1, flags: [.write], group: "server",
            summary: "Remove all keys from the current database.", syntax: "[async: ASYNC | SYNC]",
            handler: KeyCommands.flushdb),
        S(
            "flushall", arity: -1, flags: [.write], group: "server", summary: "Removes all keys from all databases.",
            syntax: "[async: ASYNC | SYNC]", handler: KeyCommands.flushall),
        S(
            "rename", arity: 3, flags: [.write], keys: (1, 2, 1), group: "generic",
            summary: "Renames a key and overwrites the destination.", syntax: "key newkey<key>",
            handler: KeyCommands.rename),
        S(
            "renamenx", arity: 3, flags: [.write, .fast], keys: (1, 2, 1), group: "generic",
            summary: "Renames a key only when the target key name doesn't exist.", syntax: "key newkey<key>",
            handler: KeyCommands.renamenx),
        S(
            "object", arity: -2, flags: [], group: "generic", since: "2.2.3",
            summary: "A container for object introspection commands.",
            syntax: "",
            subcommands: [
                S(
                    "encoding", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "2.2.3",
                    summary: "Returns the internal encoding of a Redis object.", syntax: "key",
                    handler: KeyCommands.objectEncoding),
                S(
                    "refcount", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "2.2.3",
                    summary: "Returns the reference count of a value of a key.", syntax: "key",
                    handler: KeyCommands.objectRefcount),
                S(
                    "idletime", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "2.2.3",
                    summary: "Returns the time since the last access to a Redis object.",
                    syntax: "key", handler: KeyCommands.objectIdletime),
            ], handler: { _ in }),
    ]

    nonisolated(unsafe) static let transactions: [CommandSpec] = [
        S(
            "multi", arity: 1, flags: [.noscript, .loading, .stale, .fast, .skipsQueue], group: "transactions",
            since: "1.2.0", summary: "Starts a transaction.", syntax: "", handler: TransactionCommands.multi),
        S(
            "exec", arity: 1, flags: [.noscript, .loading, .stale, .skipsQueue], group: "transactions", since: "1.2.0",
            summary: "Executes all commands in a transaction.", syntax: "", handler: TransactionCommands.exec),
        S(
            "discard", arity: 1, flags: [.noscript, .loading, .stale, .fast, .skipsQueue], group: "transactions",
            since: "2.0.0", summary: "Discards a transaction.", syntax: "", handler: TransactionCommands.discard),
        S(
            "watch", arity: -2, flags: [.noscript, .loading, .stale, .fast, .skipsQueue], keys: (1, -1, 1),
            group: "transactions", since: "2.2.0",
            summary: "Monitors changes to keys to determine the execution of a transaction.",
            syntax: "key...", handler: TransactionCommands.watch),
        S(
            "unwatch", arity: 1, flags: [.noscript, .loading, .stale, .fast], group: "transactions", since: "2.2.0",
            summary: "Forgets about watched keys of a transaction.", syntax: "", handler: TransactionCommands.unwatch),
    ]
}
