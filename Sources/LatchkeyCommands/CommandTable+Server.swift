// Command table rows: server commands (INFO, CONFIG, COMMAND, SHUTDOWN ...), scripting (EVAL
// family, SCRIPT) and the LATCHKEY test fixture. Handlers are in ServerCommands.swift,
// InfoCommand.swift, ScriptingCommands.swift and TestCommands.swift.

extension CommandTable {
    private typealias S = CommandSpec

    nonisolated(unsafe) static let server: [CommandSpec] = [
        S(
            "info", arity: -1, flags: [.loading, .stale], group: "server",
            summary: "Returns information and statistics about the server.", syntax: "[section...]",
            handler: InfoCommand.info),
        S(
            "config", arity: -2, flags: [], group: "server", since: "2.0.0",
            summary: "A container for server configuration commands.",
            syntax: "",
            subcommands: [
                S(
                    "get", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
                    summary: "Returns the effective values of configuration parameters.",
                    syntax: "(parameter: parameter)...", handler: ServerCommands.configGet),
                S(
                    "set", arity: -4, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
                    summary: "Sets configuration parameters in-flight.",
                    syntax: "(parameter_value: parameter value)...",
                    handler: ServerCommands.configSet),
                S(
                    "resetstat", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                    since: "2.0.0", summary: "Resets the server's statistics.", syntax: "",
                    handler: ServerCommands.configResetStat),
                S(
                    "rewrite", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.8.0",
                    summary: "Persists the effective configuration to file.", syntax: "",
                    handler: ServerCommands.configRewrite),
            ], handler: { _ in }),
        S(
            "command", arity: -1, flags: [.loading, .stale], group: "server", since: "2.8.13",
            summary: "Returns detailed information about all commands.",
            syntax: "",
            subcommands: [
                S(
                    "count", arity: 2, flags: [.loading, .stale], group: "server", since: "2.8.13",
                    summary: "Returns a count of commands.", syntax: "", handler: ServerCommands.commandCount),
                S(
                    "info", arity: -2, flags: [.loading, .stale], group: "server", since: "2.8.13",
                    summary: "Returns information about one, multiple or all commands.",
                    syntax: "[command-name...]", handler: ServerCommands.commandInfo),
                S(
                    "docs", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0",
                    summary: "Returns documentary information about one, multiple or all commands.",
                    syntax: "[command-name...]", handler: ServerCommands.commandDocs),
                S(
                    "list", arity: -2, flags: [.loading, .stale], group: "server", since: "7.0.0",
                    summary: "Returns a list of command names.",
                    syntax:
                        "[FILTERBY (filterby: MODULE module-name | ACLCAT category | PATTERN pattern<pattern>)]",
                    handler: ServerCommands.commandList),
            ], handler: ServerCommands.command),
        S(
            "time", arity: 1, flags: [.loading, .stale, .fast], group: "server", since: "2.6.0",
            summary: "Returns the server time.", syntax: "", handler: ServerCommands.time),
        S(
            "wait", arity: 3, flags: [.noscript], group: "generic", since: "3.0.0",
            summary: "Blocks until the asynchronous replication of all preceding write commands is acknowledged.",
            syntax: "numreplicas<integer> timeout<integer>", handler: ServerCommands.wait),
        S(
            "shutdown", arity: -1, flags: [.admin, .noscript, .loading, .stale], group: "server",
            summary: "Synchronously saves the database(s) to disk and shuts down the server.",
            syntax: "[nosave_save: NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", handler: ServerCommands.shutdown),
        S(
            "bgrewriteaof", arity: 1, flags: [.admin, .noscript], group: "server",
            summary: "Asynchronously rewrites the append-only file to disk.", syntax: "",
            handler: ServerCommands.bgrewriteaof),
    ]

    /// EVAL family and SCRIPT (group "scripting").
    nonisolated(unsafe) static let scripting: [CommandSpec] = [
        S(
            "eval", arity: -3, flags: [.noscript, .stale], group: "scripting", since: "2.6.0",
            summary: "Executes a server-side Lua script.", syntax: "script numkeys<integer> [key...] [arg...]",
            handler: ScriptingCommands.eval),
        S(
            "evalsha", arity: -3, flags: [.noscript, .stale], group: "scripting", since: "2.6.0",
            summary: "Executes a server-side Lua script by SHA1 digest.",
            syntax: "sha1 numkeys<integer> [key...] [arg...]", handler: ScriptingCommands.evalsha),
        S(
            "eval_ro", arity: -3, flags: [.noscript, .stale, .readonly], group: "scripting", since: "7.0.0",
            summary: "Executes a read-only server-side Lua script.",
            syntax: "script numkeys<integer> [key...] [arg...]", handler: ScriptingCommands.evalRO),
        S(
            "evalsha_ro", arity: -3, flags: [.noscript, .stale, .readonly], group: "scripting", since: "7.0.0",
            summary: "Executes a read-only server-side Lua script by SHA1 digest.",
            syntax: "sha1 numkeys<integer> [key...] [arg...]", handler: ScriptingCommands.evalshaRO
        ),
        S(
            "script", arity: -2, flags: [], group: "scripting", since: "2.6.0",
            summary: "A container for Lua scripts management commands.",
            syntax: "",
            subcommands: [
                S(
                    "load", arity: 3, flags: [.noscript, .stale], group: "scripting", since: "2.6.0",
                    summary: "Loads a server-side Lua script to the script cache.",
                    syntax: "script", handler: ScriptingCommands.scriptLoad),
                S(
                    "exists", arity: -3, flags: [.noscript], group: "scripting", since: "2.6.0",
                    summary: "Determines whether server-side Lua scripts exist in the script cache.",
                    syntax: "sha1...", handler: ScriptingCommands.scriptExists),
                S(
                    "flush", arity: -2, flags: [.noscript], group: "scripting", since: "2.6.0",
                    summary: "Removes all server-side Lua scripts from the script cache.",
                    syntax: "[async: ASYNC | SYNC]", handler: ScriptingCommands.scriptFlush),
                S(
                    "kill", arity: 2, flags: [.noscript], group: "scripting", since: "2.6.0",
                    summary: "Terminates a server-side Lua script during execution.",
                    syntax: "", handler: ScriptingCommands.scriptKill),
                S(
                    "help", arity: 2, flags: [.loading, .stale], group: "scripting", since: "5.0.0",
                    summary: "Returns helpful text about the different subcommands.",
                    syntax: "", handler: ScriptingCommands.scriptHelp),
            ], handler: { _ in }),
    ]

    /// LATCHKEY (group "server"; refused unless enable-test-commands allows it).
    nonisolated(unsafe) static let testFixture: [CommandSpec] = [
        S(
            "latchkey", arity: -2, flags: [], group: "server", since: "7.4.0",
            summary: "A container for Latchkey's test-fixture commands (clock control, reset).",
            syntax: "",
            subcommands: [
                S(
                    "clock", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "7.4.0",
                    summary: "Reads, moves forward, freezes or resumes the server clock.",
                    syntax:
                        "(operation: GET | ADVANCE milliseconds<integer> | SET unix-time-milliseconds<unix-time> | FREEZE | RESUME)",
                    handler: TestCommands.clock),
                S(
                    "reset", arity: 2, flags: [.admin, .noscript, .write], group: "server", since: "7.4.0",
                    summary: "Returns the server to its freshly started state.", syntax: "", handler: TestCommands.reset
                ),
                S(
                    "help", arity: 2, flags: [.loading, .stale], group: "server", since: "7.4.0",
                    summary: "Returns helpful text about the different subcommands.", syntax: "",
                    handler: TestCommands.help),
            ], handler: { _ in })
    ]
}
