// State shared between the connection layer (LatchkeyServer) and the protocol front ends:
// the registry of connected clients (CLIENT LIST/KILL, INFO clients, maxclients), server-wide
// counters (INFO stats), the configuration, the clock and the flush queue. One instance per
// server, owned by the loop thread.
#if canImport(Glibc)
import Glibc
#endif

/// Which front end's listener a client came in on. Each front end names itself (`.resp` in
/// LatchkeyCommands, `.amqp` in LatchkeyChannels, `.http` in LatchkeyManagement), so Core does
/// not enumerate the protocols; the name is also the `protocol` label in /metrics.
public struct ClientProtocol: Hashable, Sendable {
    public let name: String
    public init(_ name: String) { self.name = name }
}

/// One connected client as the server sees it: identity, addresses, timestamps, its outbox.
/// What a protocol keeps per client (RESP's name and database, AMQP's channels) is the
/// front end's session state.
public final class ClientInfo {
    public let id: UInt64
    public let kind: ClientProtocol
    /// "ip:port" of the peer and of our end.
    public let peerAddress: String
    public let localAddress: String
    public let outbox: Outbox
    public let createdAtMs: Int64
    @exclusivity(unchecked) public var lastInteractionMs: Int64
    /// Loopback peer (AMQP's guest user is allowed from loopback only).
    public let isLoopback: Bool
    /// Exempt from the `timeout` idle check (blocked clients, AMQP with heartbeats).
    @exclusivity(unchecked) public var exemptFromIdleTimeout = false
    /// The session asks the server to stop reading this client's socket (an AMQP publisher
    /// while the memory alarm is on, as RabbitMQ does). Set it to false to resume.
    public var inputBlocked = false { didSet { if oldValue && !inputBlocked { resumeInput?() } } }
    /// Installed by the server's connection: starts reading again (see `inputBlocked`).
    public var resumeInput: (() -> Void)?

    public init(
        id: UInt64, kind: ClientProtocol, peerAddress: String, localAddress: String, isLoopback: Bool, outbox: Outbox,
        nowMs: Int64
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
    /// When non-nil the log cannot be written (disk trouble): each front end refuses the
    /// changes it would have to log, in its own words (RESP's MISCONF, AMQP's disk alarm).
    public var writeFailure: LogFailure? = nil
    public init() {}
}

/// Why the append-only log cannot be written: the operation that failed and its errno.
public struct LogFailure: Equatable, Sendable {
    public enum Operation: String, Sendable { case write, fsync }

    public let operation: Operation
    /// The errno.
    public let code: Int32
    public init(operation: Operation, code: Int32) { (self.operation, self.code) = (operation, code) }

    /// The errno's text (strerror), e.g. "No space left on device".
    public var reason: String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }
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
    /// Latchkey's own version (each front end reports the protocol server version it imitates:
    /// CommandEngine.redisVersion, AMQPFrontEnd.rabbitMQVersion).
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

/// Why the server turns a new connection away before any session exists.
public enum ConnectionRefusal: Sendable {
    /// `maxclients` connections are open already.
    case tooManyClients
    /// `protected-mode yes`, no password, and a peer that is not on the loopback interface.
    case protectedMode
}

/// A protocol front end: makes one session per accepted connection and runs periodic work.
/// Everything the server needs to know about a protocol goes through here, so the server
/// never writes a protocol's bytes itself.
public protocol FrontEnd: AnyObject {
    func makeSession(client: ClientInfo) -> ProtocolSession
    /// Called `hz` times a second on the loop thread (active expiry, heartbeats, timeouts).
    func cron()
    /// What a connection refused for `refusal` is told before it is closed. For
    /// `.tooManyClients`, nil closes it without a word; for `.protectedMode`, nil means the rule
    /// does not apply to this front end's listeners (Redis's rule; AMQP has its own user checks).
    /// Default: nil for both.
    func rejectionBytes(for refusal: ConnectionRefusal) -> Bytes?
    /// Shutdown has begun: the listeners are closed and the log has not yet made its final
    /// fsync, so records written here are kept (AMQP requeues unacknowledged messages and
    /// sends connection.close). Default: nothing.
    func shutdown()
    /// Whether this front end closes its own clients at shutdown (AMQP waits for close-ok);
    /// the server then waits for them, at most two seconds. Default: false (the server closes
    /// them once their output is written).
    var closesClientsAtShutdown: Bool { get }
    /// Whether the front end keeps state of its own. One that does not (the management
    /// listener reads the others') needs no place in the log, so a rewrite does not wait for
    /// it to snapshot anything. Default: true.
    var hasOwnState: Bool { get }
    /// Whether the busy-script pump serves this front end's listeners and clients while a Lua
    /// script runs past busy-reply-threshold (RESP: they get -BUSY, SCRIPT KILL and SHUTDOWN
    /// NOSAVE work). Others wait for the script to end, as Redis's other event sources do.
    /// Default: false.
    var servesWhileScriptBusy: Bool { get }
}

extension FrontEnd {
    public func rejectionBytes(for refusal: ConnectionRefusal) -> Bytes? { nil }
    public func shutdown() {}
    public var closesClientsAtShutdown: Bool { false }
    public var hasOwnState: Bool { true }
    public var servesWhileScriptBusy: Bool { false }
}
