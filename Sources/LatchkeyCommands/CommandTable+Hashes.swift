// Command table rows: hashes. Handlers are in HashCommands*.swift.

extension CommandTable {
    private typealias S = CommandSpec

    nonisolated(unsafe) static let hashes: [CommandSpec] = [
        S(
            "hset", arity: -4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Creates or modifies the value of a field in a hash.", syntax: "key (field_value: field value)...",
            handler: HashCommands.hset),
        S(
            "hmset", arity: -4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Sets the values of multiple fields.", syntax: "key (field_value: field value)...",
            handler: HashCommands.hmset),
        S(
            "hsetnx", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Sets the value of a field in a hash only when the field doesn't exist.",
            syntax: "key field value", handler: HashCommands.hsetnx),
        S(
            "hget", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns the value of a field in a hash.", syntax: "key field", handler: HashCommands.hget),
        S(
            "hmget", arity: -3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns the values of all fields in a hash.", syntax: "key field...", handler: HashCommands.hmget),
        S(
            "hgetall", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns all fields and values in a hash.", syntax: "key", handler: HashCommands.hgetall),
        S(
            "hdel", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
            syntax: "key field...", handler: HashCommands.hdel),
        S(
            "hexists", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Determines whether a field exists in a hash.", syntax: "key field", handler: HashCommands.hexists),
        S(
            "hlen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns the number of fields in a hash.", syntax: "key", handler: HashCommands.hlen),
        S(
            "hkeys", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns all fields in a hash.", syntax: "key", handler: HashCommands.hkeys),
        S(
            "hvals", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns all values in a hash.", syntax: "key", handler: HashCommands.hvals),
        S(
            "hincrby", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary:
                "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
            syntax: "key field increment<integer>", handler: HashCommands.hincrby),
        S(
            "hincrbyfloat", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.6.0",
            summary:
                "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
            syntax: "key field increment<double>", handler: HashCommands.hincrbyfloat),
        S(
            "hstrlen", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "3.2.0",
            summary: "Returns the length of the value of a field.", syntax: "key field", handler: HashCommands.hstrlen),
        S(
            "hscan", arity: -3, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.8.0",
            summary: "Iterates over fields and values of a hash.",
            syntax: "key cursor<integer> [MATCH pattern<pattern>] [COUNT count<integer>] [NOVALUES]",
            handler: HashCommands.hscan),
        S(
            "hrandfield", arity: -2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "6.2.0",
            summary: "Returns one or more random fields from a hash.",
            syntax: "key [options: count<integer> [WITHVALUES]]", handler: HashCommands.hrandfield),
    ]
}
