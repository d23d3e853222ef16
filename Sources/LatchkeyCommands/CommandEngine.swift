// The RESP front end: owns the keyspace and the command lookup, makes a RESPSession per
// connection, runs active expiry from cron, replays log records at boot, and offers the one
// entry point scripts use to run commands through the same gate. Sockets are the server's.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyLog
import LatchkeyRESP

/// The RESP front end the server installs.
extension ClientProtocol {
    /// Clients of the RESP listener (`bind`/`port`).
    public static let resp = ClientProtocol("resp")
}

public final class CommandEngine: FrontEnd {
    /// The Redis version reported (INFO, HELLO, redis.REDIS_VERSION): the one whose behaviour the
    /// differential tests verify (redis-server 7.0.15); see docs/resp.md for later additions.
    public static let redisVersion = "7.0.15"
    public let context: ServerContext
    public let journal: Journal
    public let keyspace: Keyspace
    /// The command table, indexed. `commands.register` adds commands (scripting does).
    public let commands: CommandLookup
    /// `requirepass` cached as bytes (empty = no password); CONFIG SET keeps it current.
    @exclusivity(unchecked) public internal(set) var requirePass: Bytes
    /// Request limits handed to each new decoder; CONFIG SET keeps them current.
    @exclusivity(unchecked) public internal(set) var limits: RESPLimits
    /// Live RESP sessions by client id (CLIENT LIST/KILL).
    @exclusivity(unchecked) var sessions: [UInt64: RESPSession] = [:]
    /// Set while `replay` runs: keys found expired during boot are not journaled again.
    @exclusivity(unchecked) var isReplaying = false
    /// Scripting (EVAL/SCRIPT): the Lua interpreter and the script host, created on first use.
    public private(set) lazy var scripting: ScriptRunner = {
        scriptingStarted = true
        return ScriptRunner(engine: self)
    }()
    /// Whether `scripting` exists yet (LATCHKEY RESET does not create it just to flush it).
    @exclusivity(unchecked) private(set) var scriptingStarted = false
    /// The script runner if something has used scripting (INFO must not start Lua).
    var scriptingIfStarted: ScriptRunner? { scriptingStarted ? scripting : nil }
    /// WATCHed keys → the clients watching them (see TransactionCommands).
    @exclusivity(unchecked) var watchers: [WatchedKey: [RESPClientState]] = [:]
    /// True while EVAL/EVALSHA runs a script: the gate checks this plain flag first so that
    /// ordinary commands never touch the lazily created `scripting` on their way through.
    @exclusivity(unchecked) var scriptInProgress = false
    /// Pub/sub channels and their listeners (PubSub.swift).
    let pubsub = PubSubHub()
    /// `notify-keyspace-events`, parsed (empty = notifications off; handlers test one bit).
    public internal(set) var keyspaceEvents: KeyspaceEventFlags = []
    /// INFO: this run's identity, memory high-water mark and start-up heap, and the
    /// instantaneous rates sampled by cron.
    let runID = CommandEngine.randomHex(40)
    let replicationID = CommandEngine.randomHex(40)
    var peakMemory = 0
    private(set) var startupMemory = 0
    var opsRate = RateSampler()
    var inputRate = RateSampler()
    var outputRate = RateSampler()
    /// INFO commandstats, indexed by `CommandSpec.statsIndex`: a fixed block, so the gate's
    /// per-command increment is one store (no copy-on-write check). Freed in deinit.
    let commandStats: UnsafeMutableBufferPointer<CommandCounters> = {
        let b = UnsafeMutableBufferPointer<CommandCounters>.allocate(capacity: CommandTable.statsSlots)
        b.initialize(repeating: CommandCounters())
        return b
    }()

    deinit { commandStats.deallocate() }
    /// Clients blocked on lists (ListBlocking.swift).
    let blocking = BlockingState()
    /// Context reused by `execute` (script calls).
    @exclusivity(unchecked) private(set) var scriptContext: CommandContext?

    public init(context: ServerContext, journal: Journal) {
        self.context = context
        self.journal = journal
        let config = context.config
        keyspace = Keyspace(databases: Int(config.int(.databases)))
        commands = CommandLookup(CommandTable.all)
        requirePass = Bytes(config.string(.requirepass).utf8)
        limits = CommandEngine.requestLimits(config)
        journal.maxWritePayload = Int(config.int(.aofMaxRecordSize))
        keyspace.onExpire = { [unowned self] db, key in
            self.context.stats.expiredKeys += 1
            if self.journal.isEnabled && !self.isReplaying { self.journal.append(.delete(db: db, key: key.bytes)) }
            // Lazy and active expiry both end here, as Redis's deleteExpiredKeyAndPropagate.
            if self.keyspaceEvents.contains(.expired) && !self.isReplaying {
                self.notifyKeyspaceEvent(.expired, "expired", key: key.bytes, db: db)
            }
        }
        readPubSubConfig()
        startupMemory = max(keyspace.memoryBytes, ProcessFacts.anonymousBytes())
    }

    // MARK: FrontEnd

    /// RESP clients are answered while a script is busy (-BUSY, SCRIPT KILL, SHUTDOWN NOSAVE).
    public var servesWhileScriptBusy: Bool { true }

    public func makeSession(client: ClientInfo) -> ProtocolSession {
        let s = RESPSession(engine: self, client: client)
        sessions[client.id] = s
        return s
    }

    /// Active expiry; expired keys are journaled as deletes through `keyspace.onExpire`.
    public func cron() {
        context.refreshNow()
        keyspace.activeExpireCycle(now: context.dataNowMs)
        let s = context.stats
        opsRate.record(s.totalCommandsProcessed, nowMs: context.nowMs)
        inputRate.record(s.totalNetInputBytes, nowMs: context.nowMs)
        outputRate.record(s.totalNetOutputBytes, nowMs: context.nowMs)
        expireBlockedClients()
    }

    /// Redis's one-line refusals: the extra client past `maxclients`, and the DENIED text of
    /// protected mode (which applies to RESP listeners).
    public func rejectionBytes(for refusal: ConnectionRefusal) -> Bytes? {
        switch refusal {
        case .tooManyClients: CommandEngine.encodedError(ErrorReplies.maxClients)
        case .protectedMode: CommandEngine.encodedError(ErrorReplies.protectedMode)
        }
    }

    /// One error reply, encoded, for a connection that has no session yet.
    private static func encodedError(_ text: String) -> Bytes {
        let w = ReplyWriter(capacity: text.utf8.count + 3)
        w.error(text)
        return w.bytes
    }

    func sessionClosed(_ s: RESPSession) {
        if let b = s.client.blocked { unblock(b) }
        unwatchAll(s.client)
        pubsub.removeAll(s.client)
        sessions[s.client.info.id] = nil
    }

    // MARK: configuration changes

    /// Re-reads directives that CONFIG SET may have changed.
    func configChanged() {
        let config = context.config
        requirePass = Bytes(config.string(.requirepass).utf8)
        limits = CommandEngine.requestLimits(config)
        journal.maxWritePayload = Int(config.int(.aofMaxRecordSize))
        for s in sessions.values { s.decoder.limits = limits }
        scripting.configChanged()
        readPubSubConfig()
    }

    /// The limits each RESP decoder enforces, from the `proto-max-*` directives.
    static func requestLimits(_ config: Config) -> RESPLimits {
        RESPLimits(
            maxBulkLength: Int(config.int(.protoMaxBulkLen)),
            maxMultibulkLength: Int(config.int(.protoMaxMultibulkLen)),
            maxInlineLength: Int(config.int(.protoMaxInlineLen)))
    }

    /// `notify-keyspace-events` and `client-output-buffer-limit pubsub` (stored canonical).
    private func readPubSubConfig() {
        let config = context.config
        keyspaceEvents = KeyspaceEventFlags(parsing: config.string(.notifyKeyspaceEvents)) ?? []
        for s in sessions.values { s.ctx.keyspaceEvents = keyspaceEvents }
        scriptContext?.keyspaceEvents = keyspaceEvents
        pubsub.limits = OutputBufferLimits.limits(of: "pubsub", in: config.string(.clientOutputBufferLimit))
    }

    // MARK: scripts and tests

    /// Runs one command through the gate as if `client` had sent it, appending the reply to
    /// `writer` (in `writer.protocolVersion`). `origin` `.script` gives Redis's script checks
    /// and texts (see `dispatch`). `nowMs` fixes the time (a script's start); nil uses the loop
    /// tick's. Runs synchronously; nothing else interleaves. Returns the spec whose handler ran
    /// (nil when the gate refused or queued the command).
    @discardableResult package func execute(
        _ argv: UnsafeBufferPointer<ByteView>, client: RESPClientState, into writer: ReplyWriter,
        origin: CommandOrigin, nowMs: Int64? = nil
    ) -> CommandSpec? {
        let ctx: CommandContext
        if let c = scriptContext {
            ctx = c
            ctx.reply = writer
            ctx.client = client
        } else {
            ctx = CommandContext(engine: self, reply: writer, client: client)
            scriptContext = ctx
        }
        let savedArgv = ctx.argv
        let savedOrigin = ctx.origin
        let savedNow = ctx.nowMs
        let savedSpec = ctx.spec
        ctx.argv = argv
        ctx.origin = origin
        ctx.nowMs = nowMs ?? context.dataNowMs
        ctx.spec = nil
        dispatch(ctx)
        let ran = ctx.spec
        ctx.argv = savedArgv
        ctx.origin = savedOrigin
        ctx.nowMs = savedNow
        ctx.spec = savedSpec
        return ran
    }

    /// Owned-bytes convenience for `execute`; returns the encoded reply.
    package func execute(
        argv: [Bytes], client: RESPClientState, protocolVersion: Int = 2, origin: CommandOrigin, nowMs: Int64? = nil
    ) -> Bytes {
        let writer = ReplyWriter(protocolVersion: protocolVersion)
        withByteViews(argv) { views in
            execute(views, client: client, into: writer, origin: origin, nowMs: nowMs)
        }
        return writer.bytes
    }

    /// A client state for a caller without a connection (scripts' fake client, tests).
    package func makeDetachedClient(db: Int = 0) -> RESPClientState {
        let info = ClientInfo(
            id: 0, kind: .resp, peerAddress: "", localAddress: "", isLoopback: true,
            outbox: Outbox(queue: FlushQueue()), nowMs: context.nowMs)
        return RESPClientState(info: info, authenticated: true, db: db)
    }
}

/// Calls `body` with ByteViews over owned byte strings (kept alive for the call).
func withByteViews<R>(_ args: [Bytes], _ body: (UnsafeBufferPointer<ByteView>) -> R) -> R {
    let joined = args.reduce(into: Bytes()) { $0.append(contentsOf: $1) }
    return joined.withUnsafeBufferPointer { buf in
        let base = buf.baseAddress ?? UnsafePointer(bitPattern: 1)!
        var views: [ByteView] = []
        views.reserveCapacity(args.count)
        var offset = 0
        for a in args {
            views.append(ByteView(base: base + offset, count: a.count))
            offset += a.count
        }
        return views.withUnsafeBufferPointer { body($0) }
    }
}
