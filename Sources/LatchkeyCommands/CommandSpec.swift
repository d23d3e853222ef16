// What the command table says about one command: name, arity, flags, key positions, a summary
// and the argument syntax for COMMAND INFO/DOCS, the handler, and subcommands for containers
// (CLIENT, CONFIG, COMMAND).
// The gate (Dispatcher) reads specs; handlers never re-check what the spec already guarantees.
import LatchkeyCore

/// Command properties the gate and COMMAND INFO use (Redis's CMD_* flags).
public struct CommandFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let write = CommandFlags(rawValue: 1 << 0)
    public static let readonly = CommandFlags(rawValue: 1 << 1)
    public static let fast = CommandFlags(rawValue: 1 << 2)
    /// Refused from scripts ("This Redis command is not allowed from script").
    public static let noscript = CommandFlags(rawValue: 1 << 3)
    public static let denyOOM = CommandFlags(rawValue: 1 << 4)
    public static let loading = CommandFlags(rawValue: 1 << 5)
    public static let stale = CommandFlags(rawValue: 1 << 6)
    public static let admin = CommandFlags(rawValue: 1 << 7)
    /// Allowed before AUTH when requirepass is set.
    public static let noauth = CommandFlags(rawValue: 1 << 8)
    public static let blocking = CommandFlags(rawValue: 1 << 9)
    /// Runs at once inside MULTI instead of being queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET).
    public static let skipsQueue = CommandFlags(rawValue: 1 << 10)
    /// A pub/sub command (Redis's CMD_PUBSUB); COMMAND INFO shows `pubsub`.
    public static let pubsub = CommandFlags(rawValue: 1 << 11)
    /// Allowed to a RESP2 client in subscribed mode ((P|S)(UN)SUBSCRIBE, PING, QUIT, RESET).
    public static let allowedWhileSubscribed = CommandFlags(rawValue: 1 << 12)

    /// The flag words COMMAND INFO reports, in Redis's spelling.
    public var names: [String] {
        var out: [String] = []
        if contains(.write) { out.append("write") }
        if contains(.readonly) { out.append("readonly") }
        if contains(.denyOOM) { out.append("denyoom") }
        if contains(.admin) { out.append("admin") }
        if contains(.pubsub) { out.append("pubsub") }
        if contains(.noscript) { out.append("noscript") }
        if contains(.blocking) { out.append("blocking") }
        if contains(.loading) { out.append("loading") }
        if contains(.stale) { out.append("stale") }
        if contains(.noauth) { out.append("no_auth") }
        if contains(.fast) { out.append("fast") }
        return out
    }
}

/// A handler: reads `ctx.argv`, changes state through `ctx`, journals, then replies.
public typealias CommandHandler = (CommandContext) -> Void

/// One row of the command table. A class so the gate passes it around with one retain.
public final class CommandSpec {
    /// Lower-case name (`set`, or the subcommand's `setname`).
    public let name: String
    /// Lower-case name bytes, for lookups without allocation.
    public let nameBytes: Bytes
    /// Redis arity: `n` exactly n arguments (name included), `-n` at least n.
    public let arity: Int
    public let flags: CommandFlags
    public let firstKey: Int
    public let lastKey: Int
    public let keyStep: Int
    /// One line for COMMAND DOCS.
    public let summary: String
    /// The argument syntax COMMAND DOCS reports (notation on `ArgumentDoc.parse`); empty when
    /// the command takes no arguments, and for containers (their subcommands carry it).
    public let syntax: String
    /// COMMAND DOCS group (`string`, `generic`, `connection`, `server`, `scripting`).
    public let group: String
    public let since: String
    public let handler: CommandHandler
    /// Subcommands of a container command (CLIENT, CONFIG, COMMAND, SCRIPT).
    public let subcommands: [CommandSpec]
    /// `client|setname` for a subcommand; the name otherwise. Used in arity errors.
    @exclusivity(unchecked) public private(set) var fullName: String
    /// The container of a subcommand.
    public private(set) weak var parent: CommandSpec?
    /// The flags the gate checks: a subcommand's own plus its container's (computed once, so
    /// the gate never loads the weak `parent`).
    @exclusivity(unchecked) public private(set) var gateFlags: CommandFlags
    /// This command's slot in each engine's INFO commandstats counters (CommandTable numbers
    /// the table's specs once; -1 = not counted, e.g. a spec a test registers).
    public internal(set) var statsIndex = -1

    public init(
        _ name: String, arity: Int, flags: CommandFlags, keys: (Int, Int, Int) = (0, 0, 0), group: String,
        since: String = "1.0.0", summary: String, syntax: String, subcommands: [CommandSpec] = [],
        handler: @escaping CommandHandler
    ) {
        self.name = name.lowercased()
        nameBytes = Bytes(self.name.utf8)
        self.arity = arity
        self.flags = flags
        firstKey = keys.0
        lastKey = keys.1
        keyStep = keys.2
        self.summary = summary
        self.syntax = syntax
        self.group = group
        self.since = since
        self.handler = handler
        fullName = self.name
        gateFlags = flags
        self.subcommands = subcommands
        for sub in subcommands {
            sub.fullName = self.name + "|" + sub.name
            sub.parent = self
            sub.gateFlags = sub.flags.union(flags)
        }
    }

    /// Whether `argc` satisfies the arity.
    @inlinable public func accepts(argc: Int) -> Bool { arity >= 0 ? argc == arity : argc >= -arity }

    /// The subcommand named by `name`, compared ASCII case-insensitively.
    public func subcommand(_ name: ByteView) -> CommandSpec? {
        for s in subcommands where CommandLookup.equalsLower(name, s.nameBytes) { return s }
        return nil
    }
}
