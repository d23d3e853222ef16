// THE command table: every RESP command Latchkey knows, with name, arity, flags, key positions,
// group, summary, COMMAND DOCS syntax and handler. The gate (Dispatcher) and COMMAND INFO/DOCS
// read only this. `all` joins the groups: the string rows are here, the others in
// CommandTable+<Group>.swift. To add a command: one row in its group, the handler in its group
// file, a transcript test, a docs row (docs/architecture.md, "Adding a RESP command").
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
            summary: "Returns the string value of a key.", syntax: "key", handler: StringCommands.get),
        S(
            "set", arity: -3, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string",
            summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
            syntax:
                "key value [condition: NX | XX | IFEQ ifeq-value | IFNE ifne-value | IFDEQ ifeq-digest | IFDNE ifne-digest] [GET] [expiration: EX seconds<integer> | PX milliseconds<integer> | EXAT unix-time-seconds<unix-time> | PXAT unix-time-milliseconds<unix-time> | KEEPTTL]",
            handler: StringCommands.set),
        S(
            "setnx", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Set the string value of a key only when the key doesn't exist.", syntax: "key value",
            handler: StringCommands.setnx),
        S(
            "setex", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string", since: "2.0.0",
            summary: "Sets the string value and expiration time of a key.", syntax: "key seconds<integer> value",
            handler: StringCommands.setex),
        S(
            "psetex", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string", since: "2.6.0",
            summary: "Sets both string value and expiration time in milliseconds of a key.",
            syntax: "key milliseconds<integer> value", handler: StringCommands.psetex),
        S(
            "getset", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Returns the previous string value of a key after setting it to a new value.",
            syntax: "key value", handler: StringCommands.getset),
        S(
            "getdel", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), group: "string", since: "6.2.0",
            summary: "Returns the string value of a key after deleting the key.", syntax: "key",
            handler: StringCommands.getdel),
        S(
            "incr", arity: 2, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Increments the integer value of a key by one.", syntax: "key", handler: CounterCommands.incr),
        S(
            "incrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Increments the integer value of a key by a number.", syntax: "key increment<integer>",
            handler: CounterCommands.incrby),
        S(
            "decr", arity: 2, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Decrements the integer value of a key by one.", syntax: "key", handler: CounterCommands.decr),
        S(
            "decrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
            summary: "Decrements a number from the integer value of a key.", syntax: "key decrement<integer>",
            handler: CounterCommands.decrby),
        S(
            "digest", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string", since: "8.4.0",
            summary: "Returns the XXH3 hash of a string value.", syntax: "key", handler: DigestCommands.digest),
        S(
            "delex", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "string", since: "8.4.0",
            summary: "Conditionally removes the specified key.",
            syntax: "key [condition: IFEQ ifeq-value | IFNE ifne-value | IFDEQ ifeq-digest | IFDNE ifne-digest]",
            handler: DigestCommands.delex),
        S(
            "delifeq", arity: 3, flags: [.write, .fast], keys: (1, 1, 1), group: "string", since: "9.0.0",
            summary: "Delete key if value matches string.", syntax: "key value", handler: DigestCommands.delifeq),
        S(
            "mget", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "string",
            summary: "Atomically returns the string values of one or more keys.", syntax: "key...",
            handler: StringCommands.mget),
        S(
            "mset", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 2), group: "string", since: "1.0.1",
            summary: "Atomically creates or modifies the string values of one or more keys.",
            syntax: "(key_value: key value)...", handler: StringCommands.mset),
        S(
            "msetnx", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 2), group: "string", since: "1.0.1",
            summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.",
            syntax: "(key_value: key value)...", handler: StringCommands.msetnx),
        S(
            "append", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string", since: "2.0.0",
            summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.",
            syntax: "key value", handler: StringCommands.append),
        S(
            "strlen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string", since: "2.2.0",
            summary: "Returns the length of a string value.", syntax: "key", handler: StringCommands.strlen),
    ]
}
