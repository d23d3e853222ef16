// The engine-neutral seam between the Lua interpreter and the command layer. Scripts reach the
// keyspace only through `ScriptHost.scriptCall` (implemented by LatchkeyCommands, which runs the
// command through its normal gate and hands back the encoded reply), and a script's result
// leaves only through a `ScriptReplySink` (implemented over the RESP reply writer). This module
// knows no commands and no keyspace.
import LatchkeyCore

/// The command layer, as scripts see it.
public protocol ScriptHost: AnyObject {
    /// Runs one command for `redis.call`/`redis.pcall` through the same gate as a client's
    /// command, marked as coming from a script, and calls `reply` exactly once with the reply
    /// RESP-encoded in protocol `resp` (the version the script chose with `redis.setresp`: 2 or
    /// 3). `argv[0]` is the command name as given; the argument views are valid only during the
    /// call, and the reply bytes only inside `reply`. Errors are ordinary `-ERR ...` replies: the
    /// interpreter decides whether to raise them (`call`) or hand them to Lua (`pcall`).
    func scriptCall(_ argv: UnsafeBufferPointer<ByteView>, resp: Int, reply: (UnsafeRawBufferPointer) -> Void)
}

/// Where a script's return value is written. Calls describe RESP3 values; an implementation
/// for a RESP2 client down-converts (map → flat array, set → array, double/bignum/verbatim →
/// bulk, bool → integer, null → nil bulk) exactly as Redis's reply writer does.
public protocol ScriptReplySink {
    mutating func writeStatus(_ s: UnsafeBufferPointer<UInt8>)
    /// Error text without the leading '-' and with CR/LF already replaced by spaces.
    mutating func writeError(_ s: UnsafeBufferPointer<UInt8>)
    mutating func writeInteger(_ v: Int64)
    mutating func writeBulk(_ s: UnsafeBufferPointer<UInt8>)
    mutating func writeNull()
    mutating func writeBool(_ b: Bool)
    mutating func writeDouble(_ d: Double)
    mutating func writeBigNumber(_ s: UnsafeBufferPointer<UInt8>)
    mutating func writeVerbatim(format: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>)
    /// Followed by `n` values.
    mutating func writeArrayHeader(_ n: Int)
    /// Followed by `n` key/value pairs (2n values).
    mutating func writeMapHeader(_ n: Int)
    /// Followed by `n` values.
    mutating func writeSetHeader(_ n: Int)
    /// Called before `writeError` when the error is a command's that INFO errorstats already
    /// counted (Redis 7's ignore_error_stats_update). Default: nothing.
    mutating func errorAlreadyCounted()
}

extension ScriptReplySink {
    public mutating func errorAlreadyCounted() {}
}

/// Error texts of the scripting engine (Redis 7.0 wording, observed on redis-server 7.0.15).
/// The command layer uses the gate texts when a script's command is refused.
public enum ScriptErrors {
    // Gate refusals for commands called from a script (the host returns these as `.error`).
    public static let unknownCommand = "ERR Unknown Redis command called from script"
    public static let wrongArity = "ERR Wrong number of args calling Redis command from script"
    public static let notAllowed = "ERR This Redis command is not allowed from script"
    public static let writeInReadOnly = "ERR Write commands are not allowed from read-only scripts."
    // Raised by the redis library itself.
    static let noArguments = "Please specify at least one argument for this redis lib call"
    static let badArgument = "Lua redis lib command arguments must be strings or integers"
    static let wrongNumberOrType = "ERR wrong number or type of arguments"
    static let wrongNumber = "wrong number of arguments"
    static let setrespArity = "redis.setresp() requires one argument."
    static let setrespVersion = "RESP version must be 2 or 3."
    static let logArity = "redis.log() requires two arguments or more."
    static let logLevel = "Invalid debug level."
    // The sandbox prelude (Lua source) embeds these two, so they must stay free of `"` and `\`.
    static let readonlyTable = "Attempt to modify a readonly table"
    static let nonexistentGlobal = "Script attempted to access nonexistent global variable"
    static let killed = "Script killed by user with SCRIPT KILL..."
    static let outOfMemory = "ERR Lua script exceeded lua-memory-limit"
    /// Client-facing replies of the script commands.
    public static let noScript = "NOSCRIPT No matching script. Please use EVAL."
    public static let compilePrefix = "ERR Error compiling script (new function): "
    public static let notBusy = "NOTBUSY No scripts in execution right now."
    public static let unkillable =
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
    public static let busy = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
}
