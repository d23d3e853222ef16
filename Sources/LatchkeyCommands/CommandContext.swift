// What a handler sees: the arguments of one command, the reply writer, the client's state, the
// keyspace, the journal and "now". One context per session (and one for script calls), reused
// for every command so the hot path allocates nothing. Argument-parsing helpers that may reply
// with an error end in `OrReply` and return nil after replying.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyLog
import LatchkeyRESP

/// Per-connection RESP state: protocol, selected database, authentication.
public final class RESPClientState {
    /// The connection as CLIENT LIST sees it (name, db, last command).
    public let info: ClientInfo
    @exclusivity(unchecked) public var protocolVersion: Int = 2
    @exclusivity(unchecked) public var authenticated: Bool
    /// The open MULTI block, if any.
    @exclusivity(unchecked) public internal(set) var transaction: TransactionState?
    /// Keys this client WATCHes, and whether one of them was written since.
    @exclusivity(unchecked) var watching: [WatchedKey] = []
    @exclusivity(unchecked) var watchTouched = false
    /// Pub/sub channels, patterns and shard channels (PubSub.swift).
    var subscriptions = Subscriptions()
    /// Where pub/sub pushes for this client go: `outbox`, or while its session is inside
    /// `receive` (outbox bytes swapped into the session's writer) that writer. `outbox` is
    /// unowned(unsafe) because `info` owns it for this state's whole life, and a plain load
    /// keeps the per-message delivery free of reference counting.
    unowned(unsafe) let outbox: Outbox
    var receivingWriter: ReplyWriter?
    /// Set while this client waits in BLPOP & co. (its session reads no further commands).
    @exclusivity(unchecked) var blocked: BlockedClient?
    /// True while EXEC runs this client's queued commands (blocking commands must not block).
    @exclusivity(unchecked) var inTransactionExec = false
    /// Selected database (SELECT; CLIENT LIST's `db=`).
    @exclusivity(unchecked) public var db = 0
    /// CLIENT SETNAME / HELLO SETNAME.
    @exclusivity(unchecked) public var name: Bytes = []
    /// CLIENT SETINFO LIB-NAME / LIB-VER.
    @exclusivity(unchecked) public var libName: Bytes = []
    @exclusivity(unchecked) public var libVersion: Bytes = []
    /// The last command's name (lower case), for CLIENT LIST's `cmd=`.
    @exclusivity(unchecked) public var lastCommand = "NULL"

    public init(info: ClientInfo, authenticated: Bool, db: Int = 0) {
        self.info = info
        self.authenticated = authenticated
        outbox = info.outbox
        self.db = db
    }
}

/// The per-command view handed to handlers.
public final class CommandContext {
    public unowned let engine: CommandEngine
    /// Arguments, name first. Valid only while the handler runs.
    @exclusivity(unchecked) public internal(set) var argv: UnsafeBufferPointer<ByteView> = UnsafeBufferPointer(
        start: nil, count: 0)
    @exclusivity(unchecked) public internal(set) var reply: ReplyWriter
    @exclusivity(unchecked) public internal(set) var client: RESPClientState
    /// Time of this command (the loop tick's, or the script's start).
    @exclusivity(unchecked) public internal(set) var nowMs: Int64 = 0
    /// Who sent the command: a client, or a script's `redis.call` (the gate picks its checks
    /// and error texts from this).
    @exclusivity(unchecked) public internal(set) var origin = CommandOrigin.client
    /// The command runs from a script (`redis.call`).
    @inlinable public var fromScript: Bool { if case .script = origin { true } else { false } }
    /// The error replies a script's reply carried, as its reply sink counted them (Redis 7's
    /// rules; see ScriptRunner's WriterSink). Reset by the gate before each handler.
    var scriptReplyErrors = ScriptReplyErrors()
    /// The spec the gate resolved (the subcommand's for containers).
    @exclusivity(unchecked) public internal(set) var spec: CommandSpec?
    /// `notify-keyspace-events`, mirrored here by the engine so the per-write test is a plain
    /// field read (going through the unowned `engine` costs a strong retain each time).
    @usableFromInline var keyspaceEvents: KeyspaceEventFlags

    init(engine: CommandEngine, reply: ReplyWriter, client: RESPClientState) {
        self.engine = engine
        self.reply = reply
        self.client = client
        keyspaceEvents = engine.keyspaceEvents
    }

    @inlinable public var argc: Int { argv.count }
    @inlinable public var keyspace: Keyspace { engine.keyspace }
    @inlinable public var journal: Journal { engine.journal }
    @inlinable public var server: ServerContext { engine.context }
    @inlinable public var db: Int { client.db }

    @inlinable public subscript(i: Int) -> ByteView { argv[i] }

    /// Argument `i` parsed as a Redis integer, or nil after replying `ERR value is not an integer`.
    public func int64OrReply(_ i: Int) -> Int64? {
        if let v = ASCII.parseInt64(argv[i]) { return v }
        reply.error(ErrorReplies.notInteger)
        return nil
    }

    /// Whether argument `i` equals an upper-case option name, ignoring case.
    @inlinable public func arg(_ i: Int, is upper: StaticString) -> Bool { argv[i].equalsUppercase(upper) }

    /// Publishes a keyspace notification for `key` in this command's database when
    /// `notify-keyspace-events` enables `type` (one flag test when notifications are off).
    @inlinable public func notifyKeyspaceEvent(_ type: KeyspaceEventFlags, _ event: StaticString, _ key: ByteView) {
        if keyspaceEvents.contains(type) { engine.notifyKeyspaceEvent(type, event, key: key.bytes, db: client.db) }
    }

    /// Journals a record if the log is on (build the record lazily: it copies bytes).
    @inlinable public func journal(_ make: @autoclosure () -> LogRecord) {
        if engine.journal.isEnabled { engine.journal.append(make()) }
    }
}

/// How a script's reply counted its errors in INFO. A command's error that the script passes on
/// (top-level or nested) was counted in errorstats when the command failed: it makes the EVAL a
/// failed call once per error and is not counted again. An error the script made itself
/// (redis.error_reply, error(), a runtime error) is counted in errorstats where it is written,
/// and makes the EVAL a failed call once.
struct ScriptReplyErrors {
    var passedOn = 0
    var ownCounted = false

    /// Whether the sink wrote any error (the gate then takes these counts, not the reply's first byte).
    var any: Bool { passedOn > 0 || ownCounted }

    /// What the EVAL adds to its failed_calls.
    var failedCalls: UInt64 { UInt64(passedOn) + (ownCounted ? 1 : 0) }
}
