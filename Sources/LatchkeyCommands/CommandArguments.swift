// The argument syntax of every command, for the `arguments` field of COMMAND DOCS (redis-cli
// builds its typing hints from it). Kept next to the command table as one string per command,
// in Redis's documented usage form with types; `ArgumentDoc.parse` turns a string into Redis's
// nested argument maps. Read only by COMMAND DOCS, never on the command path.

/// Usage syntax, keyed by a command's `fullName`. Notation:
/// - `name` is an argument of type string (`key` is of type key); `name<type>` gives the type
///   (integer, double, pattern, unix-time, key, string).
/// - An UPPER-case word is a token: alone it is a pure token; before an argument it is that
///   argument's token (`EX seconds<integer>`).
/// - `[ ... ]` is optional, `( ... )` required; `|` makes it a oneof; a leading `label:` names
///   the group; several items in one alternative form a block. `...` after an item: multiple.
enum CommandArguments {
    static let syntax: [String: String] = [
        // strings
        "get": "key",
        "set":
            "key value [condition: NX | XX | IFEQ ifeq-value | IFNE ifne-value | IFDEQ ifeq-digest | IFDNE ifne-digest] [GET] [expiration: EX seconds<integer> | PX milliseconds<integer> | EXAT unix-time-seconds<unix-time> | PXAT unix-time-milliseconds<unix-time> | KEEPTTL]",
        "setnx": "key value", "setex": "key seconds<integer> value", "psetex": "key milliseconds<integer> value",
        "getset": "key value", "getdel": "key", "incr": "key", "incrby": "key increment<integer>", "decr": "key",
        "decrby": "key decrement<integer>", "digest": "key",
        "delex": "key [condition: IFEQ ifeq-value | IFNE ifne-value | IFDEQ ifeq-digest | IFDNE ifne-digest]",
        "delifeq": "key value", "mget": "key...", "mset": "data: key value...", "msetnx": "data: key value...",
        "append": "key value", "strlen": "key", "rename": "key newkey<key>", "renamenx": "key newkey<key>",
        "object|encoding": "key", "object|refcount": "key", "object|idletime": "key",
        "client|unblock": "client-id<integer> [unblock-type: TIMEOUT | ERROR]",
        // lists
        "lpush": "key element...", "rpush": "key element...", "lpushx": "key element...", "rpushx": "key element...",
        "lpop": "key [count<integer>]", "rpop": "key [count<integer>]", "llen": "key",
        "lrange": "key start<integer> stop<integer>", "lindex": "key index<integer>",
        "lset": "key index<integer> element", "lrem": "key count<integer> element",
        "ltrim": "key start<integer> stop<integer>", "linsert": "key where: BEFORE | AFTER pivot element",
        "lpos": "key element [RANK rank<integer>] [COUNT num-matches<integer>] [MAXLEN len<integer>]",
        "lmove": "source<key> destination<key> wherefrom: LEFT | RIGHT whereto: LEFT | RIGHT",
        "rpoplpush": "source<key> destination<key>",
        "lmpop": "numkeys<integer> key... where: LEFT | RIGHT [COUNT count<integer>]",
        "blpop": "key... timeout<double>", "brpop": "key... timeout<double>",
        "blmove": "source<key> destination<key> wherefrom: LEFT | RIGHT whereto: LEFT | RIGHT timeout<double>",
        "brpoplpush": "source<key> destination<key> timeout<double>",
        "blmpop": "timeout<double> numkeys<integer> key... where: LEFT | RIGHT [COUNT count<integer>]",
        // hashes
        "hset": "key data: field value...", "hmset": "key data: field value...", "hsetnx": "key field value",
        "hget": "key field", "hmget": "key field...", "hgetall": "key", "hdel": "key field...", "hexists": "key field",
        "hlen": "key", "hkeys": "key", "hvals": "key", "hincrby": "key field increment<integer>",
        "hincrbyfloat": "key field increment<double>", "hstrlen": "key field",
        "hscan": "key cursor<integer> [MATCH pattern<pattern>] [COUNT count<integer>] [NOVALUES]",
        "hrandfield": "key [options: count<integer> [WITHVALUES]]",
        // keys
        "del": "key...", "unlink": "key...", "exists": "key...", "type": "key",
        "expire": "key seconds<integer> [condition: NX | XX | GT | LT]",
        "pexpire": "key milliseconds<integer> [condition: NX | XX | GT | LT]",
        "expireat": "key unix-time-seconds<unix-time> [condition: NX | XX | GT | LT]",
        "pexpireat": "key unix-time-milliseconds<unix-time> [condition: NX | XX | GT | LT]", "ttl": "key",
        "pttl": "key", "expiretime": "key", "pexpiretime": "key", "persist": "key", "keys": "pattern<pattern>",
        "scan": "cursor<integer> [MATCH pattern<pattern>] [COUNT count<integer>] [TYPE type]", "dbsize": "",
        "flushdb": "[flush-type: ASYNC | SYNC]", "flushall": "[flush-type: ASYNC | SYNC]",
        // transactions
        "multi": "", "exec": "", "discard": "", "unwatch": "", "watch": "key...",
        // pub/sub
        "subscribe": "channel...", "unsubscribe": "[channel...]", "psubscribe": "pattern<pattern>...",
        "punsubscribe": "[pattern<pattern>...]", "ssubscribe": "shardchannel...", "sunsubscribe": "[shardchannel...]",
        "publish": "channel message", "spublish": "shardchannel message", "pubsub|channels": "[pattern<pattern>]",
        "pubsub|numsub": "[channel...]", "pubsub|numpat": "", "pubsub|shardchannels": "[pattern<pattern>]",
        "pubsub|shardnumsub": "[shardchannel...]", "pubsub|help": "",
        // connection
        "ping": "[message]", "echo": "message", "quit": "", "reset": "", "select": "index<integer>",
        "hello": "[arguments: protover<integer> [AUTH username password] [SETNAME clientname]]",
        "auth": "[username] password",
        // test fixture (LATCHKEY)
        "latchkey|clock":
            "(operation: GET | ADVANCE milliseconds<integer> | SET unix-time-milliseconds<unix-time> | FREEZE | RESUME)",
        "latchkey|reset": "", "latchkey|help": "", "client|id": "", "client|setname": "connection-name",
        "client|getname": "", "client|setinfo": "(attr: LIB-NAME libname | LIB-VER libver)",
        "client|list":
            "[client-type: TYPE NORMAL | TYPE MASTER | TYPE REPLICA | TYPE PUBSUB] [ID client-id<integer>...]",
        "client|info": "",
        "client|kill":
            "(filter: ip-port | (new-format: ID client-id<integer> | TYPE client-type | USER username | ADDR addr | LADDR laddr | SKIPME skipme)...)",
        "client|no-evict": "(enabled: ON | OFF)", "client|no-touch": "(enabled: ON | OFF)", "client|help": "",
        // server
        "info": "[section...]", "config|get": "parameter...", "config|set": "(data: parameter value)...",
        "config|resetstat": "", "config|rewrite": "", "command": "", "command|count": "",
        "command|info": "[command-name...]", "command|docs": "[command-name...]",
        "command|list":
            "[filterby: FILTERBY MODULE module-name | FILTERBY ACLCAT category | FILTERBY PATTERN pattern<pattern>]",
        "time": "", "wait": "numreplicas<integer> timeout<integer>",
        "shutdown": "[save-selector: NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", "bgrewriteaof": "",
        // scripting
        "eval": "script numkeys<integer> [key...] [arg...]", "evalsha": "sha1 numkeys<integer> [key...] [arg...]",
        "eval_ro": "script numkeys<integer> [key...] [arg...]", "evalsha_ro": "sha1 numkeys<integer> [key...] [arg...]",
        "script|load": "script", "script|exists": "sha1...", "script|flush": "[flush-type: ASYNC | SYNC]",
        "script|kill": "", "script|help": "",
    ]

    /// The parsed arguments of `spec`, or nil when the table has no syntax for it.
    static func arguments(of spec: CommandSpec) -> [ArgumentDoc]? {
        guard let text = syntax[spec.fullName] else { return nil }
        return ArgumentDoc.parse(text)
    }
}

/// One entry of COMMAND DOCS' `arguments` (Redis's argument map).
struct ArgumentDoc: Equatable {
    var name: String
    var type: String
    var token: String? = nil
    var optional = false
    var multiple = false
    var children: [ArgumentDoc] = []

    /// Parses the notation described on `CommandArguments.syntax`.
    static func parse(_ text: String) -> [ArgumentDoc] {
        var parser = Parser(tokens: tokenize(text))
        return parser.sequence()
    }

    /// Words, with `[ ] ( ) |` as tokens of their own.
    static func tokenize(_ text: String) -> [String] {
        var out: [String] = []
        var word = ""
        for c in text {
            if c == " " || "[]()|".contains(c) {
                if !word.isEmpty {
                    out.append(word)
                    word = ""
                }
                if c != " " { out.append(String(c)) }
            } else {
                word.append(c)
            }
        }
        if !word.isEmpty { out.append(word) }
        return out
    }

    private struct Parser {
        let tokens: [String]
        var i = 0
        init(tokens: [String]) { self.tokens = tokens }

        var peek: String? { i < tokens.count ? tokens[i] : nil }

        /// Items up to a closing bracket, a `|` or the end.
        mutating func sequence() -> [ArgumentDoc] {
            var items: [ArgumentDoc] = []
            while let t = peek, t != "]", t != ")", t != "|" { items.append(item()) }
            return items
        }

        mutating func item() -> ArgumentDoc {
            var t = tokens[i]
            i += 1
            var doc: ArgumentDoc
            if t == "[" || t == "(" {
                doc = group(optional: t == "[")
                if peek == "..." {
                    i += 1
                    doc.multiple = true
                }
                return doc
            }
            var multiple = false
            if t.hasSuffix("...") {
                t.removeLast(3)
                multiple = true
            }
            if let first = t.first, first.isUppercase {
                // A token: it labels the argument that follows, or stands alone.
                if let next = peek, let f = next.first, f.isLowercase, !next.hasSuffix(":") {
                    var arg = item()
                    arg.token = t
                    return arg
                }
                doc = ArgumentDoc(name: t.lowercased(), type: "pure-token", token: t)
            } else {
                var name = t
                var type = t == "key" ? "key" : "string"
                if let open = t.firstIndex(of: "<"), t.hasSuffix(">") {
                    name = String(t[..<open])
                    type = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
                }
                doc = ArgumentDoc(name: name, type: type)
            }
            doc.multiple = multiple
            return doc
        }

        /// After `[` or `(`: `[label:] alternative (| alternative)*` and the closing bracket.
        mutating func group(optional: Bool) -> ArgumentDoc {
            var label: String?
            if let t = peek, t.hasSuffix(":") {
                label = String(t.dropLast())
                i += 1
            }
            var alternatives: [[ArgumentDoc]] = [sequence()]
            while peek == "|" {
                i += 1
                alternatives.append(sequence())
            }
            i += 1  // ] or )
            var doc: ArgumentDoc
            if alternatives.count > 1 {
                let members = alternatives.map { alt -> ArgumentDoc in
                    alt.count == 1 ? alt[0] : ArgumentDoc(name: alt[0].name, type: "block", children: alt)
                }
                doc = ArgumentDoc(name: label ?? members[0].name, type: "oneof", children: members)
            } else if alternatives[0].count == 1 && label == nil {
                doc = alternatives[0][0]
            } else {
                doc = ArgumentDoc(
                    name: label ?? alternatives[0].first?.name ?? "block", type: "block", children: alternatives[0])
            }
            if optional { doc.optional = true }
            return doc
        }
    }
}
