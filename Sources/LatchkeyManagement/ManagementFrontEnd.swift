// The management front end the server installs on its HTTP listener: one HTTPSession per
// connection, the sources the endpoints read (the AMQP front end's broker and sessions, the
// keyspace, the server context) and the rate sampler its cron drives. It reads state only when a
// request asks (or once per sample interval), so the RESP and AMQP paths never wait for it.
import LatchkeyChannels
import LatchkeyCore
import LatchkeyHTTP
import LatchkeyKeyspace

/// A listening address as /api/overview's `listeners` shows it.
public struct ListenerInfo: Sendable {
    public let protocolName: String
    public let ip: String
    public let port: Int
    public init(protocolName: String, ip: String, port: Int) {
        self.protocolName = protocolName
        self.ip = ip
        self.port = port
    }
}

/// Serves the management API, /metrics and the live page.
extension ClientProtocol {
    /// Clients of the management HTTP listener (API, /metrics, live page).
    public static let http = ClientProtocol("http")
}

public final class ManagementFrontEnd: FrontEnd {
    let context: ServerContext
    let amqp: AMQPFrontEnd
    let keyspace: Keyspace
    let limits: HTTPLimits
    /// Message rates, sampled every `RateSampler.interval` ms from cron.
    var rates = RateSampler()
    /// The server's listeners (set by the server once it has bound them).
    public var listeners: () -> [ListenerInfo] = { [] }
    /// The node name in every answer ("latchkey@localhost").
    let node = "latchkey@localhost"
    /// Open HTTP connections, for the idle check.
    var sessions: [UInt64: ClientInfo] = [:]
    /// A connection with no bytes from its client for this long is closed, complete request or
    /// not (Cowboy's idle_timeout, which RabbitMQ's listener uses, is 60 s too): a client that
    /// opens sockets and trickles nothing cannot hold them.
    static let idleTimeoutMs: Int64 = 60_000

    /// Text of every 401 (RabbitMQ's realm, so browsers and tools show the same prompt).
    static let realm = "Basic realm=\"RabbitMQ Management\""

    public init(context: ServerContext, amqp: AMQPFrontEnd, keyspace: Keyspace) {
        self.context = context
        self.amqp = amqp
        self.keyspace = keyspace
        var l = HTTPLimits()
        l.maxBody = Int(clamping: context.config.int(.managementMaxBody))
        limits = l
    }

    public func makeSession(client: ClientInfo) -> ProtocolSession {
        sessions[client.id] = client
        return HTTPSession(client: client, frontEnd: self)
    }

    /// It only reads the broker's and the keyspace's state, so the log has nothing of its.
    public var hasOwnState: Bool { false }

    public func cron() {
        let now = context.nowMs
        rates.sampleIfDue(now: now, broker: amqp.broker)
        for client in sessions.values where now - client.lastInteractionMs > ManagementFrontEnd.idleTimeoutMs {
            if !client.outbox.closeAfterFlush { client.requestClose() }
        }
    }

    /// The user `authorization` (an Authorization header value) names, when its password matches
    /// and the peer may use that user (guest only from loopback, as RabbitMQ's loopback_users).
    func authenticate(_ authorization: String?, fromLoopback: Bool) -> AuthResult {
        guard let authorization, authorization.count > 6, authorization.prefix(6).lowercased() == "basic " else {
            return .missing
        }
        guard let decoded = Base64.decode(String(authorization.dropFirst(6)).trimmingSpacesAndTabs()),
            let colon = decoded.firstIndex(of: 0x3A)
        else { return .failed }
        let user = Bytes(decoded[..<colon])
        let password = Bytes(decoded[(colon + 1)...])
        guard amqp.users[user] == password else { return .failed }
        if !fromLoopback && amqp.loopbackOnlyUsers.contains(user) { return .loopbackOnly }
        return .user(String(decoding: user, as: UTF8.self))
    }

    enum AuthResult {
        case user(String)
        case missing
        case failed
        case loopbackOnly
    }
}

extension String {
    func trimmingSpacesAndTabs() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
