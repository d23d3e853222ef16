// The AMQP front end the server installs on its AMQP listener: reads the amqp-* directives once,
// builds the server-properties table clients inspect (capabilities, product), authenticates users,
// makes one ConnectionSession per connection and drives their timers from cron().
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import LatchkeyLog

// Checked numbers (issue 15): every number a client sends that reaches an Int here or in the
// broker is range-checked before any conversion or arithmetic: tune-ok channel_max/frame_max
// (1...ours, 4096...ours, else a silent close) and heartbeat (UInt16, ms = h*1000 fits Int64);
// expiration (any digit string, 0...315360000000 checked as text before Int64), x-message-ttl
// and x-expires (0...315360000000, so now+ttl cannot overflow), x-max-priority (0...255 before
// Int), x-max-length(-bytes) (compared, never summed), prefetch (UInt16 widened), body size
// (UInt64, checked against amqp-max-message-size, itself capped at 512 MiB so a message's size
// fits its UInt32 field), delivery tags (compared only). Field values keep their wire type.

/// Makes AMQP sessions and runs their periodic work.
extension ClientProtocol {
    /// Clients of the AMQP listener (`amqp-bind`/`amqp-port`).
    public static let amqp = ClientProtocol("amqp")
}

public final class AMQPFrontEnd: FrontEnd {
    package let context: ServerContext
    package let journal: Journal
    /// user → password, from `amqp-user` ("name:password" words).
    package let users: [Bytes: Bytes]
    /// Users allowed from loopback peers only (`amqp-loopback-users`, default guest).
    package let loopbackOnlyUsers: Set<Bytes>
    /// Virtual hosts that connection.open accepts (`amqp-vhosts`).
    package let vhosts: Set<Bytes>
    /// What connection.tune proposes.
    package let frameMax: UInt32
    package let channelMax: UInt16
    /// Largest accepted message body (`amqp-max-message-size`).
    package let maxMessageSize: UInt64
    /// The connection.start server-properties.
    package let serverProperties: FieldTable
    /// Live sessions by connection id (for cron, the alarms and the management API).
    package var sessions: [UInt64: ConnectionSession] { registry.byID }
    /// Owns that table; a separate object so the alarms can hold it before `self` is complete.
    private let registry = SessionRegistry()
    /// Queues, exchanges and messages (frame-free); boot replays the log into it.
    package let broker: Broker
    /// Channels consuming from amq.rabbitmq.reply-to.
    package let directReply = DirectReply()
    /// connection.blocked when queued messages exceed `amqp-queued-memory-limit`.
    package let memoryAlarm: MemoryAlarm
    /// Refuses persistent publishes to durable queues while the log cannot be written.
    package let diskAlarm: DiskAlarm
    /// Channels with publisher confirms waiting for the log (see ChannelSession+Confirm.swift).
    var confirmWaiters: [ObjectIdentifier: ChannelSession] = [:]
    /// Set when a confirm waits for a record the log has not fsynced: the log should fsync now
    /// rather than within the second under `everysec`. Cleared by `takeSyncRequest`.
    var confirmsAwaitLog = false

    public init(context: ServerContext, journal: Journal) {
        self.context = context
        self.journal = journal
        let config = context.config
        var users: [Bytes: Bytes] = [:]
        for word in Self.words(config.string(.amqpUser)) {
            guard let colon = word.firstIndex(of: ":") else { continue }
            users[Bytes(word[..<colon].utf8)] = Bytes(word[word.index(after: colon)...].utf8)
        }
        self.users = users
        loopbackOnlyUsers = Set(Self.words(config.string(.amqpLoopbackUsers)).map { Bytes($0.utf8) })
        vhosts = Set(Self.words(config.string(.amqpVhosts)).map { Bytes($0.utf8) })
        frameMax = UInt32(clamping: config.int(.amqpFrameMax))
        channelMax = UInt16(clamping: config.int(.amqpChannelMax))
        // The directive is limited to 512 MiB (RabbitMQ's ceiling); the cap here keeps a stored
        // message's size within its UInt32 header field even if that limit changes.
        maxMessageSize = UInt64(clamping: Swift.min(config.int(.amqpMaxMessageSize), Self.maxMessageSizeCap))
        serverProperties = Self.makeServerProperties(
            identity: config.string(.amqpServerIdentity), version: context.latchkeyVersion)
        broker = Broker(clock: TickClock(context), vhosts: Self.words(config.string(.amqpVhosts)).map(String.init))
        BrokerHooks.install(on: broker, journal: journal)
        let registry = self.registry
        memoryAlarm = MemoryAlarm(
            broker: broker, limit: Int(clamping: config.int(.amqpQueuedMemoryLimit)),
            sessions: { [unowned registry] in Array(registry.byID.values) })
        let diskAlarm = DiskAlarm(context: context, sessions: { [unowned registry] in Array(registry.byID.values) })
        self.diskAlarm = diskAlarm
        memoryAlarm.heldElsewhere = { [unowned diskAlarm] in diskAlarm.hasNotified($0) }
    }

    /// Proposed heartbeat in seconds (`amqp-heartbeat`, changeable with CONFIG SET).
    package var heartbeat: UInt16 { UInt16(clamping: context.config.int(.amqpHeartbeat)) }

    public func makeSession(client: ClientInfo) -> ProtocolSession {
        // Liveness is the heartbeat's job, not the RESP idle `timeout`.
        client.exemptFromIdleTimeout = true
        let s = ConnectionSession(client: client, frontEnd: self)
        registry.byID[client.id] = s
        return s
    }

    // MARK: publisher confirms and the log (called by the server's log wiring)

    /// Whether a confirm waits for a record the log has not fsynced yet (and clears the flag).
    public func takeSyncRequest() -> Bool {
        defer { confirmsAwaitLog = false }
        return confirmsAwaitLog
    }

    /// The log took every record made so far; they end at `end`.
    public func logAppended(end: Int64) { for c in confirmWaiters.values { c.logAppended(end: end) } }

    /// The log is durable up to `durable`: the confirms that waited for it go out.
    public func logDurable(_ durable: Int64) { releaseConfirms(durable: durable, failed: false) }

    /// The log cannot be written: every confirm still waiting for it is a nack (RabbitMQ
    /// nacks what it could not make safe), so no publish waits for the disk to come back.
    public func logFailed() { releaseConfirms(durable: 0, failed: true) }

    private func releaseConfirms(durable: Int64, failed: Bool) {
        if confirmWaiters.isEmpty { return }
        for (id, c) in confirmWaiters.sorted(by: { $0.value.number < $1.value.number }) {
            if !c.releaseDeferredConfirms(durable: durable, failed: failed) { confirmWaiters[id] = nil }
        }
    }

    public func cron() {
        let now = context.nowMs
        for s in sessions.values {
            s.tick(nowMs: now)
            s.resumeDrainedChannels()
        }
        broker.cron()
        memoryAlarm.check()
        diskAlarm.check(memoryAlarm: memoryAlarm)
    }

    /// AMQP connections are closed by their sessions (connection.close, then close-ok).
    public var closesClientsAtShutdown: Bool { true }

    /// Server shutdown (SIGTERM, SHUTDOWN): every connection gets connection.close 320
    /// "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'", as RabbitMQ
    /// sends when it stops; the socket closes at close-ok (the server bounds the wait).
    /// Channels are released now, so unacknowledged messages are requeued before the log's
    /// last write. Connections still in the handshake are just dropped.
    public func shutdown() {
        for s in sessions.values.sorted(by: { $0.id < $1.id }) { s.closeConnection(with: .shutdown) }
    }

    func unregister(_ s: ConnectionSession) { registry.byID[s.id] = nil }

    /// Checks a login. Loopback-only users are refused from other peers, as RabbitMQ's guest.
    package func authenticate(user: Bytes, password: Bytes, fromLoopback: Bool) -> Bool {
        guard let expected = users[user], ConstantTime.equals(password, expected) else { return false }
        return fromLoopback || !loopbackOnlyUsers.contains(user)
    }

    static func words(_ s: String) -> [Substring] { s.split(whereSeparator: { $0 == " " || $0 == "\t" }) }

    /// RabbitMQ's server-properties keys with our own product name (kombu/Celery pick their QoS
    /// flag from `product`, so we do not pretend to be RabbitMQ) and the capabilities table that
    /// aiormq requires and pika/py-amqp consult.
    /// RabbitMQ 3.10's largest `max_message_size` (512 MiB), the cap on amqp-max-message-size.
    package static let maxMessageSizeCap: Int64 = 512 * 1024 * 1024

    /// The RabbitMQ release whose behaviour Latchkey reproduces (and reports by default).
    static let rabbitMQVersion = "3.10.8"

    /// connection.start's server-properties. `identity` "rabbitmq" (the default) reports the
    /// RabbitMQ 3.10 product and version clients branch on (kombu picks basic.qos's meaning
    /// from them); "latchkey" reports Latchkey's own. Latchkey is always named in
    /// `latchkey_version` and `information`. The field set and order are RabbitMQ's; the
    /// capabilities are the ones Latchkey implements (no consumer_priorities).
    static func makeServerProperties(identity: String, version: String) -> FieldTable {
        var caps = FieldTable()
        for name in [
            "publisher_confirms", "exchange_exchange_bindings", "basic.nack", "consumer_cancel_notify",
            "connection.blocked", "authentication_failure_close", "per_consumer_qos", "direct_reply_to",
        ] { caps.append(name, .bool(true)) }
        let rabbit = identity != "latchkey"
        var p = FieldTable()
        p.append("capabilities", .table(caps))
        p.append("cluster_name", .string("latchkey@localhost"))
        p.append("copyright", .string("Copyright (c) Latchkey contributors"))
        p.append(
            "information", .string("Latchkey \(version), compatible with RabbitMQ \(rabbitMQVersion) (AMQP 0-9-1)"))
        p.append("platform", .string("Swift / libuv"))
        p.append("product", .string(rabbit ? "RabbitMQ" : "Latchkey"))
        p.append("version", .string(rabbit ? rabbitMQVersion : version))
        p.append("latchkey_version", .string(version))
        return p
    }
}

/// The front end's live sessions by connection id.
final class SessionRegistry { var byID: [UInt64: ConnectionSession] = [:] }

/// The broker's clock: the loop tick's server time (`ServerContext.dataNowMs`, refreshed once per
/// read, cron and drain), the same "now" RESP handlers read from `ctx`, so one tick has one
/// notion of time and broker operations never read the system clock themselves.
final class TickClock: Clock {
    /// unowned(unsafe): the front end that owns the broker (and so this clock) holds the context
    /// strongly, and so does every session; a checked unowned load (a strong retain and release)
    /// on each of the broker's clock reads showed up in every delivery's profile.
    unowned(unsafe) let context: ServerContext
    init(_ context: ServerContext) { self.context = context }
    func nowMs() -> Int64 { context.dataNowMs }
}
