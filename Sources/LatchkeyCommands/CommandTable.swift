// THE command table: every RESP command Latchkey knows, with name, arity, flags, key positions,
// group and summary, and its handler. The gate (Dispatcher) and COMMAND INFO/DOCS read only this.
// To add a command: one row here, the handler in its group file, a transcript test, a docs row.
import LatchkeyCore

public enum CommandTable {
    private typealias S = CommandSpec

    /// All commands, grouped as in docs/resp.md.
    nonisolated(unsafe) public static let all: [CommandSpec] = numbered(
        strings + keys + connection + server + transactions + scripting + testFixture + pubsub + lists + hashes)

    /// How many commandstats slots the table uses (commands and subcommands).
    public static let statsSlots = all.reduce(0) { $0 + 1 + $1.subcommands.count }

    /// Gives every spec and subcommand its commandstats slot (runs once, with `all`).
    private static func numbered(_ specs: [CommandSpec]) -> [CommandSpec] {
        var n = 0
        for s in specs {
            s.statsIndex = n
            n += 1
            for sub in s.subcommands {
                sub.statsIndex = n
                n += 1
            }
        }
        return specs
    }

    nonisolated(unsafe) static let strings: [CommandSpec] = [
        S(
            "get", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string",
            summary: "Returns the string value of a key.", handler: StringCommands.get),
        S(
            "set", arity: -3, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string",
            summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
            handler: StringCommands.set),
        S(
            "setnx", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Set the string value of a key only when the key doesn't exist.", handler: StringCommands.setnx),
        S(
            "setex", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string", since: "2.0.0",
            summary: "Sets the string value and expiration time of a key.", handler: StringCommands.setex),
        S(
            "psetex", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string", since: "2.6.0",
            summary: "Sets both string value and expiration time in milliseconds of a key.",
            handler: StringCommands.psetex),
        S(
            "getset", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Returns the previous string value of a key after setting it to a new value.",
            handler: StringCommands.getset),
        S(
            "getdel", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), group: "string", since: "6.2.0",
            summary: "Returns the string value of a key after deleting the key.", handler: StringCommands.getdel),
        S(
            "incr", arity: 2, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Increments the integer value of a key by one.", handler: CounterCommands.incr),
        S(
            "incrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Increments the integer value of a key by a number.", handler: CounterCommands.incrby),
        S(
            "decr", arity: 2, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Decrements the integer value of a key by one.", handler: CounterCommands.decr),
        S(
            "decrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Decrements a number from the integer value of a key.", handler: CounterCommands.decrby),
        S(
            "digest", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string", since: "8.4.0",
            summary: "Returns the XXH3 hash of a string value.", handler: DigestCommands.digest),
        S(
            "delex", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "string", since: "8.4.0",
            summary: "Conditionally removes the specified key.", handler: DigestCommands.delex),
        S(
            "delifeq", arity: 3, flags: [.write, .fast], keys: (1, 1, 1), group: "string", since: "9.0.0",
            summary: "Delete key if value matches string.", handler: DigestCommands.delifeq),
        S(
            "mget", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "string",
            summary: "Atomically returns the string values of one or more keys.", handler: StringCommands.mget),
        S(
            "mset", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 2), group: "string", since: "1.0.1",
            summary: "Atomically creates or modifies the string values of one or more keys.",
            handler: StringCommands.mset),
        S(
            "msetnx", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 2), group: "string", since: "1.0.1",
            summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.",
            handler: StringCommands.msetnx),
        S(
            "append", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string", since: "2.0.0",
            summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.",
            handler: StringCommands.append),
        S(
            "strlen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string", since: "2.2.0",
            summary: "Returns the length of a string value.", handler: StringCommands.strlen),
    ]

    nonisolated(unsafe) static let keys: [CommandSpec] = [
        S(
            "del", arity: -2, flags: [.write], keys: (1, -1, 1), group: "generic", summary: "Deletes one or more keys.",
            handler: KeyCommands.del),
        S(
            "unlink", arity: -2, flags: [.write, .fast], keys: (1, -1, 1), group: "generic", since: "4.0.0",
            summary: "Asynchronously deletes one or more keys.", handler: KeyCommands.del),
        S(
            "exists", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "generic",
            summary: "Determines whether one or more keys exist.", handler: KeyCommands.exists),
        S(
            "type", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Determines the type of value stored at a key.", handler: KeyCommands.type),
        S(
            "expire", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Sets the expiration time of a key in seconds.", handler: KeyCommands.expire),
        S(
            "pexpire", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "2.6.0",
            summary: "Sets the expiration time of a key in milliseconds.", handler: KeyCommands.pexpire),
        S(
            "expireat", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "1.2.0",
            summary: "Sets the expiration time of a key to a Unix timestamp.", handler: KeyCommands.expireat),
        S(
            "pexpireat", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "2.6.0",
            summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.",
            handler: KeyCommands.pexpireat),
        S(
            "ttl", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
            summary: "Returns the expiration time in seconds of a key.", handler: KeyCommands.ttl),
        S(
            "pttl", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic", since: "2.6.0",
            summary: "Returns the expiration time in milliseconds of a key.", handler: KeyCommands.pttl),
        S(
            "expiretime", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic", since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix timestamp.", handler: KeyCommands.expiretime),
        S(
            "pexpiretime", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic", since: "7.0.0",
            summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.",
            handler: KeyCommands.pexpiretime),
        S(
            "persist", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "2.2.0",
            summary: "Removes the expiration time of a key.", handler: KeyCommands.persist),
        S(
            "keys", arity: 2, flags: [.readonly], group: "generic",
            summary: "Returns all key names that match a pattern.", handler: KeyCommands.keys),
        S(
            "scan", arity: -2, flags: [.readonly], group: "generic", since: "2.8.0",
            summary: "Iterates over the key names in the database.", handler: KeyCommands.scan),
        S(
            "dbsize", arity: 1, flags: [.readonly, .fast], group: "server",
            summary: "Returns the number of keys in the database.", handler: KeyCommands.dbsize),
        S(
            "flushdb", arity: -1, flags: [.write], group: "server",
            summary: "Remove all keys from the current database.", handler: KeyCommands.flushdb),
        S(
            "flushall", arity: -1, flags: [.write], group: "server", summary: "Removes all keys from all databases.",
            handler: KeyCommands.flushall),
        S(
            "rename", arity: 3, flags: [.write], keys: (1, 2, 1), group: "generic",
            summary: "Renames a key and overwrites the destination.", handler: KeyCommands.rename),
        S(
            "renamenx", arity: 3, flags: [.write, .fast], keys: (1, 2, 1), group: "generic",
            summary: "Renames a key only when the target key name doesn't exist.", handler: KeyCommands.renamenx),
        S(
            "object", arity: -2, flags: [], group: "generic", since: "2.2.3",
            summary: "A container for object introspection commands.",
            subcommands: [
                S(
                    "encoding", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "2.2.3",
                    summary: "Returns the internal encoding of a Redis object.", handler: KeyCommands.objectEncoding),
                S(
                    "refcount", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "2.2.3",
                    summary: "Returns the reference count of a value of a key.", handler: KeyCommands.objectRefcount),
                S(
                    "idletime", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "2.2.3",
                    summary: "Returns the time since the last access to a Redis object.",
                    handler: KeyCommands.objectIdletime),
            ], handler: { _ in }),
    ]

    nonisolated(unsafe) static let lists: [CommandSpec] = [
        S(
            "lpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list",
            summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.",
            handler: ListCommands.lpush),
        S(
            "rpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list",
            summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.",
            handler: ListCommands.rpush),
        S(
            "lpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list", since: "2.2.0",
            summary: "Prepends one or more elements to a list only when the list exists.", handler: ListCommands.lpushx),
        S(
            "rpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list", since: "2.2.0",
            summary: "Appends an element to a list only when the list exists.", handler: ListCommands.rpushx),
        S(
            "lpop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "list",
            summary:
                "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.",
            handler: ListCommands.lpop),
        S(
            "rpop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "list",
            summary:
                "Returns and removes the last elements of a list. Deletes the list if the last element was popped.",
            handler: ListCommands.rpop),
        S(
            "llen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "list",
            summary: "Returns the length of a list.", handler: ListCommands.llen),
        S(
            "lrange", arity: 4, flags: [.readonly], keys: (1, 1, 1), group: "list",
            summary: "Returns a range of elements from a list.", handler: ListCommands.lrange),
        S(
            "lindex", arity: 3, flags: [.readonly], keys: (1, 1, 1), group: "list",
            summary: "Returns an element from a list by its index.", handler: ListCommands.lindex),
        S(
            "lset", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "list",
            summary: "Sets the value of an element in a list by its index.", handler: ListCommands.lset),
        S(
            "lrem", arity: 4, flags: [.write], keys: (1, 1, 1), group: "list",
            summary: "Removes elements from a list. Deletes the list if the last element was removed.",
            handler: ListCommands.lrem),
        S(
            "ltrim", arity: 4, flags: [.write], keys: (1, 1, 1), group: "list",
            summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
            handler: ListCommands.ltrim),
        S(
            "linsert", arity: 5, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "list", since: "2.2.0",
            summary: "Inserts an element before or after another element in a list.", handler: ListCommands.linsert),
        S(
            "lpos", arity: -3, flags: [.readonly], keys: (1, 1, 1), group: "list", since: "6.0.6",
            summary: "Returns the index of matching elements in a list.", handler: ListCommands.lpos),
        S(
            "lmove", arity: 5, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "list", since: "6.2.0",
            summary:
                "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.",
            handler: ListCommands.lmove),
        S(
            "rpoplpush", arity: 3, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "list", since: "1.2.0",
            summary:
                "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.",
            handler: ListCommands.rpoplpush),
        S(
            "lmpop", arity: -4, flags: [.write], keys: (2, 2, 1), group: "list", since: "7.0.0",
            summary:
                "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.",
            handler: ListCommands.lmpop),
        S(
            "blpop", arity: -3, flags: [.write, .blocking], keys: (1, -2, 1), group: "list", since: "2.0.0",
            summary:
                "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            handler: ListCommands.blpop),
        S(
            "brpop", arity: -3, flags: [.write, .blocking], keys: (1, -2, 1), group: "list", since: "2.0.0",
            summary:
                "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            handler: ListCommands.brpop),
        S(
            "blmove", arity: 6, flags: [.write, .denyOOM, .blocking], keys: (1, 2, 1), group: "list", since: "6.2.0",
            summary:
                "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
            handler: ListCommands.blmove),
        S(
            "brpoplpush", arity: 4, flags: [.write, .denyOOM, .blocking], keys: (1, 2, 1), group: "list",
            since: "2.2.0",
            summary:
                "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
            handler: ListCommands.brpoplpush),
        S(
            "blmpop", arity: -5, flags: [.write, .blocking], keys: (3, 3, 1), group: "list", since: "7.0.0",
            summary:
                "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
            handler: ListCommands.blmpop),
    ]

    nonisolated(unsafe) static let hashes: [CommandSpec] = [
        S(
            "hset", arity: -4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Creates or modifies the value of a field in a hash.", handler: HashCommands.hset),
        S(
            "hmset", arity: -4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Sets the values of multiple fields.", handler: HashCommands.hmset),
        S(
            "hsetnx", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Sets the value of a field in a hash only when the field doesn't exist.",
            handler: HashCommands.hsetnx),
        S(
            "hget", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns the value of a field in a hash.", handler: HashCommands.hget),
        S(
            "hmget", arity: -3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns the values of all fields in a hash.", handler: HashCommands.hmget),
        S(
            "hgetall", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns all fields and values in a hash.", handler: HashCommands.hgetall),
        S(
            "hdel", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.",
            handler: HashCommands.hdel),
        S(
            "hexists", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Determines whether a field exists in a hash.", handler: HashCommands.hexists),
        S(
            "hlen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns the number of fields in a hash.", handler: HashCommands.hlen),
        S(
            "hkeys", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns all fields in a hash.", handler: HashCommands.hkeys),
        S(
            "hvals", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary: "Returns all values in a hash.", handler: HashCommands.hvals),
        S(
            "hincrby", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
            summary:
                "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.",
            handler: HashCommands.hincrby),
        S(
            "hincrbyfloat", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.6.0",
            summary:
                "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.",
            handler: HashCommands.hincrbyfloat),
        S(
            "hstrlen", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "3.2.0",
            summary: "Returns the length of the value of a field.", handler: HashCommands.hstrlen),
        S(
            "hscan", arity: -3, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.8.0",
            summary: "Iterates over fields and values of a hash.", handler: HashCommands.hscan),
        S(
            "hrandfield", arity: -2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "6.2.0",
            summary: "Returns one or more random fields from a hash.", handler: HashCommands.hrandfield),
    ]

    nonisolated(unsafe) static let transactions: [CommandSpec] = [
        S(
            "multi", arity: 1, flags: [.noscript, .loading, .stale, .fast, .skipsQueue], group: "transactions",
            since: "1.2.0", summary: "Starts a transaction.", handler: TransactionCommands.multi),
        S(
            "exec", arity: 1, flags: [.noscript, .loading, .stale, .skipsQueue], group: "transactions", since: "1.2.0",
            summary: "Executes all commands in a transaction.", handler: TransactionCommands.exec),
        S(
            "discard", arity: 1, flags: [.noscript, .loading, .stale, .fast, .skipsQueue], group: "transactions",
            since: "2.0.0", summary: "Discards a transaction.", handler: TransactionCommands.discard),
        S(
            "watch", arity: -2, flags: [.noscript, .loading, .stale, .fast, .skipsQueue], keys: (1, -1, 1),
            group: "transactions", since: "2.2.0",
            summary: "Monitors changes to keys to determine the execution of a transaction.",
            handler: TransactionCommands.watch),
        S(
            "unwatch", arity: 1, flags: [.noscript, .loading, .stale, .fast], group: "transactions", since: "2.2.0",
            summary: "Forgets about watched keys of a transaction.", handler: TransactionCommands.unwatch),
    ]

    nonisolated(unsafe) static let connection: [CommandSpec] = [
        S(
            "ping", arity: -1, flags: [.fast, .stale, .allowedWhileSubscribed], group: "connection",
            summary: "Returns the server's liveliness response.", handler: ConnectionCommands.ping),
        S(
            "echo", arity: 2, flags: [.fast, .loading, .stale], group: "connection",
            summary: "Returns the given string.", handler: ConnectionCommands.echo),
        S(
            "quit", arity: -1,
            flags: [.noscript, .loading, .stale, .fast, .noauth, .skipsQueue, .allowedWhileSubscribed],
            group: "connection", summary: "Closes the connection.", handler: ConnectionCommands.quit),
        S(
            "reset", arity: 1,
            flags: [.noscript, .loading, .stale, .fast, .noauth, .skipsQueue, .allowedWhileSubscribed],
            group: "connection", since: "6.2.0", summary: "Resets the connection.", handler: ConnectionCommands.reset),
        S(
            "select", arity: 2, flags: [.loading, .stale, .fast], group: "connection",
            summary: "Changes the selected database.", handler: ConnectionCommands.select),
        S(
            "hello", arity: -1, flags: [.noscript, .loading, .stale, .fast, .noauth], group: "connection",
            since: "6.0.0", summary: "Handshakes with the Redis server.", handler: ConnectionCommands.hello),
        S(
            "auth", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noauth], group: "connection",
            summary: "Authenticates the connection.", handler: ConnectionCommands.auth),
        S(
            "client", arity: -2, flags: [], group: "connection", since: "2.4.0",
            summary: "A container for client connection commands.",
            subcommands: [
                S(
                    "id", arity: 2, flags: [.noscript, .loading, .stale], group: "connection", since: "5.0.0",
                    summary: "Returns the unique client ID of the connection.", handler: ClientCommands.id),
                S(
                    "setname", arity: 3, flags: [.noscript, .loading, .stale], group: "connection", since: "2.6.9",
                    summary: "Sets the connection name.", handler: ClientCommands.setname),
                S(
                    "getname", arity: 2, flags: [.noscript, .loading, .stale], group: "connection", since: "2.6.9",
                    summary: "Returns the name of the connection.", handler: ClientCommands.getname),
                S(
                    "setinfo", arity: 4, flags: [.noscript, .loading, .stale], group: "connection", since: "7.2.0",
                    summary: "Sets information specific to the client or connection.", handler: ClientCommands.setinfo),
                S(
                    "list", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                    since: "2.4.0", summary: "Lists open connections.", handler: ClientCommands.list),
                S(
                    "info", arity: 2, flags: [.noscript, .loading, .stale], group: "connection", since: "6.2.0",
                    summary: "Returns information about the connection.", handler: ClientCommands.info),
                S(
                    "kill", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                    since: "2.4.0", summary: "Terminates open connections.", handler: ClientCommands.kill),
                S(
                    "no-evict", arity: 3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                    since: "7.0.0", summary: "Sets the client eviction mode of the connection.",
                    handler: ClientCommands.onOff),
                S(
                    "no-touch", arity: 3, flags: [.noscript, .loading, .stale], group: "connection", since: "7.2.0",
                    summary: "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
                    handler: ClientCommands.onOff),
                S(
                    "help", arity: 2, flags: [.loading, .stale], group: "connection", since: "5.0.0",
                    summary: "Returns helpful text about the different subcommands.", handler: ClientCommands.help),
                S(
                    "unblock", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection",
                    since: "5.0.0",
                    summary: "Unblocks a client blocked by a blocking command from a different connection.",
                    handler: ClientCommands.unblock),
            ], handler: { _ in }),
    ]

    nonisolated(unsafe) static let server: [CommandSpec] = [
        S(
            "info", arity: -1, flags: [.loading, .stale], group: "server",
            summary: "Returns information and statistics about the server.", handler: InfoCommand.info),
        S(
            "config", arity: -2, flags: [], group: "server", since: "2.0.0",
            summary: "A container for server configuration commands.",
            subcommands: [
                S(
                    "get", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
                    summary: "Returns the effective values of configuration parameters.",
                    handler: ServerCommands.configGet),
                S(
                    "set", arity: -4, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
                    summary: "Sets configuration parameters in-flight.", handler: ServerCommands.configSet),
                S(
                    "resetstat", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                    since: "2.0.0", summary: "Resets the server's statistics.", handler: ServerCommands.configResetStat),
                S(
                    "rewrite", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.8.0",
                    summary: "Persists the effective configuration to file.", handler: ServerCommands.configRewrite),
            ], handler: { _ in }),
        S(
            "command", arity: -1, flags: [.loading, .stale], group: "server", since: "2.8.13",
            summary: "Returns detailed information about all commands.",
            subcommands: [
                S(
                    "count", arity: 2, flags: [.loading, .stale], group: "server", since: "2.8.13",
                    summary: "Returns a count of commands.", handler: ServerCommands.commandCount),
                S(
                    "info", arity: -2, flags: [.loading, .stale], group: "server", since: "2.8.13",
                    summary: "Returns information about one, multiple or all commands.",
                    handler: ServerCommands.commandInfo),
                S(
                    "docs", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0",
                    summary: "Returns documentary information about one, multiple or all commands.",
                    handler: ServerCommands.commandDocs),
                S(
                    "list", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0",
                    summary: "Returns a list of command names.", handler: ServerCommands.commandList),
            ], handler: ServerCommands.command),
        S(
            "time", arity: 1, flags: [.loading, .stale, .fast], group: "server", since: "2.6.0",
            summary: "Returns the server time.", handler: ServerCommands.time),
        S(
            "wait", arity: 3, flags: [.noscript], group: "generic", since: "3.0.0",
            summary: "Blocks until the asynchronous replication of all preceding write commands is acknowledged.",
            handler: ServerCommands.wait),
        S(
            "shutdown", arity: -1, flags: [.admin, .noscript, .loading, .stale], group: "server",
            summary: "Synchronously saves the database(s) to disk and shuts down the server.",
            handler: ServerCommands.shutdown),
        S(
            "bgrewriteaof", arity: 1, flags: [.admin, .noscript], group: "server",
            summary: "Asynchronously rewrites the append-only file to disk.", handler: ServerCommands.bgrewriteaof),
    ]

    /// Pub/sub (PubSubCommands.swift). (Un)subscribe commands are the ones a RESP2 client in
    /// subscribed mode may still send.
    nonisolated(unsafe) static let pubsub: [CommandSpec] = {
        let listen: CommandFlags = [.pubsub, .noscript, .loading, .stale, .allowedWhileSubscribed]
        let info: CommandFlags = [.pubsub, .loading, .stale]
        return [
            S(
                "subscribe", arity: -2, flags: listen, group: "pubsub", since: "2.0.0",
                summary: "Listens for messages published to channels.", handler: PubSubCommands.subscribe),
            S(
                "unsubscribe", arity: -1, flags: listen, group: "pubsub", since: "2.0.0",
                summary: "Stops listening to messages posted to channels.", handler: PubSubCommands.unsubscribe),
            S(
                "psubscribe", arity: -2, flags: listen, group: "pubsub", since: "2.0.0",
                summary: "Listens for messages published to channels that match one or more patterns.",
                handler: PubSubCommands.psubscribe),
            S(
                "punsubscribe", arity: -1, flags: listen, group: "pubsub", since: "2.0.0",
                summary: "Stops listening to messages published to channels that match one or more patterns.",
                handler: PubSubCommands.punsubscribe),
            S(
                "ssubscribe", arity: -2, flags: listen, keys: (1, -1, 1), group: "pubsub", since: "7.0.0",
                summary: "Listens for messages published to shard channels.", handler: PubSubCommands.ssubscribe),
            S(
                "sunsubscribe", arity: -1, flags: listen, keys: (1, -1, 1), group: "pubsub", since: "7.0.0",
                summary: "Stops listening to messages posted to shard channels.", handler: PubSubCommands.sunsubscribe),
            S(
                "publish", arity: 3, flags: [.pubsub, .loading, .stale, .fast], group: "pubsub", since: "2.0.0",
                summary: "Posts a message to a channel.", handler: PubSubCommands.publish),
            S(
                "spublish", arity: 3, flags: [.pubsub, .loading, .stale, .fast], keys: (1, 1, 1), group: "pubsub",
                since: "7.0.0", summary: "Post a message to a shard channel", handler: PubSubCommands.spublish),
            S(
                "pubsub", arity: -2, flags: [], group: "pubsub", since: "2.8.0",
                summary: "A container for Pub/Sub commands.",
                subcommands: [
                    S(
                        "channels", arity: -2, flags: info, group: "pubsub", since: "2.8.0",
                        summary: "Returns the active channels.", handler: PubSubCommands.channels),
                    S(
                        "numsub", arity: -2, flags: info, group: "pubsub", since: "2.8.0",
                        summary: "Returns a count of subscribers to channels.", handler: PubSubCommands.numsub),
                    S(
                        "numpat", arity: 2, flags: info, group: "pubsub", since: "2.8.0",
                        summary: "Returns a count of unique pattern subscriptions.", handler: PubSubCommands.numpat),
                    S(
                        "shardchannels", arity: -2, flags: info, group: "pubsub", since: "7.0.0",
                        summary: "Returns the active shard channels.", handler: PubSubCommands.shardchannels),
                    S(
                        "shardnumsub", arity: -2, flags: info, group: "pubsub", since: "7.0.0",
                        summary: "Returns the count of subscribers of shard channels.",
                        handler: PubSubCommands.shardnumsub),
                    S(
                        "help", arity: 2, flags: [.loading, .stale], group: "pubsub", since: "6.2.0",
                        summary: "Returns helpful text about the different subcommands.", handler: PubSubCommands.help),
                ], handler: { _ in }),
        ]
    }()
}
