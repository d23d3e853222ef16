// State shared between the connection layer (LatchkeyServer) and the protocol front ends:
// the registry of connected clients (CLIENT LIST/KILL, INFO clients, maxclients), server-wide
// counters (INFO stats), the configuration, the clock and the flush queue. One instance per
// server, owned by the loop thread.

/// Which listener a client came in on.
public enum ClientProtocol: Sendable {
    case resp
    case amqp
    /// The management HTTP listener (API, /metrics, live page).
    case http
}

/// One connected client, as CLIENT LIST and INFO see it.
public final class ClientInfo {
    public let id: UInt64
    public let kind: ClientProtocol
    /// "ip:port" of the peer and of our end.
    public let peerAddress: String
    public let localAddress: String
    public let outbox: Outbox
    public let createdAtMs: Int64
    @exclusivity(unchecked) public var lastInteractionMs: Int64
    @exclusivity(unchecked) public var name: Bytes = []
    @exclusivity(unchecked) public var libName: Bytes = []
    @exclusivity(unchecked) public var libVersion: Bytes = []
    /// The last command's name (lower case), for CLIENT LIST's `cmd=`.
    @exclusivity(unchecked) public var lastCommand: String = "NULL"
    /// Selected database (RESP) — kept here so CLIENT LIST can show `db=`.
    @exclusivity(unchecked) public var db: Int = 0
    /// Loopback peer (AMQP's guest user is allowed from loopback only).
    public let isLoopback: Bool
    /// Exempt from the `timeout` idle check (blocked clients, AMQP with heartbeats).
    @exclusivity(unchecked) public var exemptFromIdleTimeout = false
    /// The session asks the server to stop reading this client's socket (an AMQP publisher
    /// while the memory alarm is on, as RabbitMQ does). Set it to false to resume.
    public var inputBlocked = false {
        didSet { if oldValue && !inputBlocked { resumeInput?() } }
    }
    /// Installed by the server's connection: starts reading again (see `inputBlocked`).
    public var resumeInput: (() -> Void)?

    public init(
        id: UInt64, kind: ClientProtocol, peerAddress: String, localAddress: String, isLoopback: Bool,
        outbox: Outbox, nowMs: Int64
    ) {
        self.id = id
        self.kind = kind
        self.peerAddress = peerAddress
        self.localAddress = localAddress
        self.isLoopback = isLoopback
        self.outbox = outbox
        createdAtMs = nowMs
        lastInteractionMs = nowMs
    }

    /// Closes the connection once its pending output is written (CLIENT KILL, QUIT).
    public func requestClose() {
        outbox.closeAfterFlush = true
        outbox.markDirty()
    }
}

/// Counters INFO reports.
public struct ServerStats {
    public var totalConnectionsReceived: UInt64 = 0
    public var rejectedConnections: UInt64 = 0
    public var totalCommandsProcessed: UInt64 = 0
    public var expiredKeys: UInt64 = 0
    public var keyspaceHits: UInt64 = 0
    public var keyspaceMisses: UInt64 = 0
    public var totalNetInputBytes: UInt64 = 0
    public var totalNetOutputBytes: UInt64 = 0
    /// Error replies sent, in total and by error code (INFO stats/errorstats).
    public var totalErrorReplies: UInt64 = 0
    public var errorCodes: [String: UInt64] = [:]
    /// Reads handled and writes issued on client sockets (INFO total_reads/writes_processed).
    public var totalReadsProcessed: UInt64 = 0
    public var totalWritesProcessed: UInt64 = 0
    public init() {}
}

/// What the persistence layer reports to INFO persistence (filled by the server's log wiring).
public struct PersistenceStatus {
    public var aofEnabled = false
    public var aofRewriteInProgress = false
    public var aofRewriteScheduled = false
    public var aofLastRewriteTimeSec: Int64 = -1
    public var aofLastBgrewriteStatus = "ok"
    public var aofLastWriteStatus = "ok"
    public var aofCurrentSize: Int64 = 0
    public var aofBaseSize: Int64 = 0
    /// When non-nil, writes are refused with this error text (disk trouble): `MISCONF ...`.
    public var writeError: String? = nil
    public init() {}
}

/// Requests the front ends make of the server itself.
public protocol ServerControl: AnyObject {
    /// SHUTDOWN / SIGTERM: stop accepting, flush, exit.
    func requestShutdown(save: Bool)
    /// BGREWRITEAOF. Returns an error text when it cannot start.
    func requestLogRewrite() -> String?
}

/// The server-wide context handed to every front end.
public final class ServerContext {
    public let config: Config
    public let clock: Clock
    public let flushQueue: FlushQueue
    @exclusivity(unchecked) public var clients: [UInt64: ClientInfo] = [:]
    @exclusivity(unchecked) public var stats = ServerStats()
    @exclusivity(unchecked) public var persistence = PersistenceStatus()
    public let startTimeMs: Int64
    public weak var control: ServerControl?
    /// The "now" of the current loop tick on the REAL clock, refreshed by the server before
    /// handling events: connection timers, client ages, log cadence.
    @exclusivity(unchecked) public var nowMs: Int64
    /// The clock data follows (TTLs, TIME); tests may move it (ServerClock.swift).
    public let serverClock: ServerClock
    /// The same tick's "now" on `serverClock`: what handlers use for expiry.
    @exclusivity(unchecked) public private(set) var dataNowMs: Int64
    /// Run after the server clock moved (LATCHKEY CLOCK): each front end reclaims what expired
    /// (active key expiry, AMQP TTLs) without waiting for its cron.
    @exclusivity(unchecked) public var clockMovedHooks: [() -> Void] = []
    /// Run by LATCHKEY RESET, each front end dropping what clients created (journaled).
    @exclusivity(unchecked) public var resetHooks: [() -> Void] = []
    /// The Redis version reported (INFO, HELLO, redis.REDIS_VERSION): the one whose behaviour the
    /// differential tests verify (redis-server 7.0.15); see docs/resp.md for later additions.
    public let version = "7.0.15"
    public let latchkeyVersion = "0.1.0"
    /// TCP port actually bound for RESP (after port 0 was resolved).
    @exclusivity(unchecked) public var respPort: Int = 0
    @exclusivity(unchecked) public var amqpPort: Int = 0
    /// Every listener's addresses ("ip:port", IPv6 bracketed) by name (`resp`, `amqp`, ...),
    /// in the order the ready line and ready file list them; the server fills it at start.
    @exclusivity(unchecked) public var listenerAddresses: [(name: String, addresses: [String])] = []
    @exclusivity(unchecked) public var configFile: String = ""
    /// CONFIG SET appendonly: turns the append-only log on (true) or off at run time. Returns nil
    /// when done, or the reason CONFIG SET reports. Nil when the server cannot (in-process tests).
    public var appendOnlySwitch: ((Bool) -> String?)?

    @exclusivity(unchecked) private var nextClientID: UInt64 = 1

    public init(config: Config, clock: Clock) {
        self.config = config
        self.clock = clock
        flushQueue = FlushQueue()
        nowMs = clock.nowMs()
        serverClock = ServerClock(base: clock)
        dataNowMs = nowMs
        startTimeMs = nowMs
    }

    public func allocateClientID() -> UInt64 {
        defer { nextClientID += 1 }
        return nextClientID
    }

    /// Re-reads the clock; the server calls this once per loop tick.
    public func refreshNow() {
        nowMs = clock.nowMs()
        dataNowMs = serverClock.now(realMs: nowMs)
    }

    /// After the server clock moved: re-reads "now" and lets every front end catch up.
    public func serverClockMoved() {
        refreshNow()
        for hook in clockMovedHooks { hook() }
    }
}

/// A protocol front end: makes one session per accepted connection and runs periodic work.
public protocol FrontEnd: AnyObject {
    func makeSession(client: ClientInfo) -> ProtocolSession
    /// Called `hz` times a second on the loop thread (active expiry, heartbeats, timeouts).
    func cron()
}
