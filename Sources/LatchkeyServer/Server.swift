import LatchkeyChannels
import LatchkeyCommands
import LatchkeyCore
import LatchkeyLoop
import LatchkeyManagement

// The server: one event loop, the listeners of each front end (RESP on bind/port, AMQP on
// amqp-bind/amqp-port), accepted connections with their ClientInfo and session, and the
// maxclients refusal. Cron, before-sleep flushing and shutdown are in Server+Lifecycle.swift;
// what a protocol does with bytes is the FrontEnd's business.
#if canImport(Glibc)
import Glibc
#endif

/// A Latchkey server. Create it, add front ends, `start()` (binds), then `run()` (blocks), or
/// `runInBackground()` in tests. Everything except `stopFromAnyThread()` runs on the loop thread.
public final class Server: ServerControl {
    /// State shared with the front ends.
    public let context: ServerContext
    /// The event loop (for BackgroundWork and extra timers).
    public let loop: EventLoop
    /// The server log (Redis-style lines).
    public let log: ServerLog
    /// Install SIGINT/SIGTERM handlers in `start()`. In-process tests turn this off.
    public var handlesSignals = true
    /// The append-only log's wiring, once it is on (set by Persistence.attach). The server
    /// asks it to write each tick's records before any reply leaves, to fsync at shutdown, to
    /// start BGREWRITEAOF, and (the busy pump) whether a client's output is held.
    var persistence: Persistence?

    var frontEnds: [ClientProtocol: FrontEnd] = [:]
    var listeners: [ClientProtocol: [TCPListener]] = [:]
    var connections: [UInt64: ClientConnection] = [:]
    var limits = ConnectionLimits()
    var shutdownHooks: [() -> Void] = []
    var cronTimer: LoopTimer?
    var beforeSleep: BeforeSleep?
    var signalWatchers: [SignalWatcher] = []
    var waker: LoopWaker?
    var graceTimer: LoopTimer?
    /// Connections whose buffered input is offered again next iteration (Server+Redelivery.swift).
    var redeliveryTimer: LoopTimer?
    var redeliveries: [ClientConnection] = []
    var shuttingDown = false
    var cronTicks: UInt64 = 0
    var cronHz: Int64 = 10
    /// The ready file this process wrote (Server+ReadyFile.swift), removed at shutdown.
    var readyFileWritten: String?
    /// The busy-script pump's state (Server+BusyPump.swift).
    var busyPump = BusyPumpState()
    /// The client whose script SHUTDOWN NOSAVE stopped: closed without its reply.
    weak var abandonedScriptClient: ClientConnection?

    /// A server for `config` reading time from `clock` (tests pass a manual clock). Nothing is
    /// bound until `start()`.
    public init(config: Config, clock: Clock = SystemClock()) throws(UVError) {
        loop = try EventLoop()
        context = ServerContext(config: config, clock: clock)
        log = ServerLog(level: config.string(.loglevel), logfile: config.string(.logfile))
        context.control = self
    }

    /// Registers the front end that serves connections of `kind`'s listeners.
    public func addFrontEnd(_ frontEnd: FrontEnd, kind: ClientProtocol) { frontEnds[kind] = frontEnd }

    /// Runs once at shutdown, after the front ends' and the log's shutdown, before client output
    /// is flushed and clients are closed.
    public func addShutdownHook(_ hook: @escaping () -> Void) { shutdownHooks.append(hook) }

    // MARK: start

    /// Binds every listener and installs cron, before-sleep and signal handling. Returns the
    /// actual ports (0 for AMQP when it is off). Throws a message naming the address on failure.
    /// Port 0 asks the kernel for a free port on either listener; `amqp-port off` (or no AMQP
    /// front end) opens no AMQP listener.
    @discardableResult public func start() throws(ServerStartError) -> (respPort: Int, amqpPort: Int) {
        let config = context.config
        SignalWatcher.ignoreSIGPIPE()
        raiseOpenFileLimit(Int(config.int(.maxclients)) + 32)
        limits = ConnectionLimits(config: config)
        let backlog = Int32(config.int(.tcpBacklog))
        do {
            guard frontEnds[.resp] != nil else { throw ServerStartError("no RESP front end was added") }
            let resp = try bindAll(config.string(.bind), port: Int(config.int(.port)), backlog: backlog, kind: .resp)
            context.respPort = resp
            let amqpPort = Int(config.int(.amqpPort))
            if amqpPort >= 0, frontEnds[.amqp] != nil {
                context.amqpPort = try bindAll(
                    config.string(.amqpBind), port: amqpPort, backlog: backlog, kind: .amqp)
            }
            // `management-port 0` picks a free port; `management-port off` opens no listener.
            let managementPort = Int(config.int(.managementPort))
            if managementPort >= 0, frontEnds[.http] != nil {
                _ = try bindAll(config.string(.managementBind), port: managementPort, backlog: backlog, kind: .http)
            }
            try installLoopHooks()
        } catch let error as ServerStartError {
            closeListeners()
            throw error
        } catch {
            closeListeners()
            throw ServerStartError("\(error)")
        }
        context.listenerAddresses = [ClientProtocol.resp, .amqp, .http].compactMap { kind in
            guard let list = listeners[kind], !list.isEmpty else { return nil }
            return (name: Server.listenerName(kind), addresses: list.map(\.addressDescription))
        }
        log.notice("Server initialized")
        log.notice("Ready to accept connections tcp")
        return (context.respPort, context.amqpPort)
    }

    /// The name a listener goes by in the ready line and the ready file.
    static func listenerName(_ kind: ClientProtocol) -> String { kind == .http ? "management" : kind.name }

    /// `Ready to accept connections: resp=127.0.0.1:6379,[::1]:6379 amqp=127.0.0.1:5672` —
    /// the one line scripts and fixtures wait for (printed by the executable). Every open
    /// listener appears as `name=address[,address...]`.
    public var readyLine: String {
        "Ready to accept connections: "
            + context.listenerAddresses.map { $0.name + "=" + $0.addresses.joined(separator: ",") }.joined(
                separator: " ")
    }

    /// The management listener's port (0 when it is off).
    public var managementPort: Int { listeners[.http]?.first?.port ?? 0 }

    /// Every bound listener as (protocol, host, port): "resp", "amqp", "http" (for the
    /// management overview and the ready file).
    public var boundListeners: [(protocolName: String, host: String, port: Int)] {
        [ClientProtocol.resp, .amqp, .http].flatMap { kind in
            (listeners[kind] ?? []).map { (kind.name, $0.host, $0.port) }
        }
    }

    /// Writes `readyLine` and a newline to stdout (unbuffered).
    public func printReadyLine() { ServerLog.writeAll(1, readyLine + "\n") }

    /// Binds each address of a `bind`-style list; a leading '-' means "skip if unavailable".
    /// Port 0 is resolved by the first listener and reused by the others. Returns the port.
    private func bindAll(_ addresses: String, port: Int, backlog: Int32, kind: ClientProtocol) throws -> Int {
        var port = port
        let kernelChosen = port == 0
        var bound: [TCPListener] = []
        for word in addresses.split(separator: " ") {
            let optional = word.hasPrefix("-")
            var host = String(optional ? word.dropFirst() : word)
            if host == "*" { host = "0.0.0.0" }  // Redis 7's wildcards
            if host == "::*" { host = "::" }
            do {
                let listener = try TCPListener(loop: loop, host: host, port: port, backlog: backlog) {
                    [unowned self] connection in self.accept(connection, kind: kind)
                }
                port = listener.port
                bound.append(listener)
            } catch {
                let skippable = error.isAddressUnavailable || (kernelChosen && error.code == -98)  // EADDRINUSE
                if optional && skippable {
                    log.verbose("Skipping optional address \(host): \(error.message)")
                    continue
                }
                listeners[kind] = bound
                throw ServerStartError(
                    "Warning: Could not create server TCP listening socket \(host):\(port): \(error.message)")
            }
        }
        listeners[kind] = bound
        guard !bound.isEmpty else {
            let what = kind == .resp ? "tcp" : Server.listenerName(kind)
            throw ServerStartError("Failed listening on port \(port) (\(what)), aborting.")
        }
        return port
    }

    func closeListeners() { for (_, list) in listeners { list.forEach { $0.close() } } }

    /// Raises the open-file limit so `maxclients` connections fit, as Redis does at start.
    private func raiseOpenFileLimit(_ wanted: Int) {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < rlim_t(wanted) else { return }
        let old = limit.rlim_cur
        limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
        if setrlimit(resource, &limit) != 0 || limit.rlim_cur < rlim_t(wanted) {
            log.warning(
                "You requested maxclients of \(wanted - 32) requiring at least \(wanted) max file descriptors; the open-file limit is \(limit.rlim_cur) (was \(old))."
            )
        }
    }

    // MARK: connections

    func accept(_ connection: TCPConnection, kind: ClientProtocol) {
        guard !shuttingDown, let frontEnd = frontEnds[kind] else {
            connection.close()
            return
        }
        context.refreshNow()
        context.stats.totalConnectionsReceived += 1
        if context.clients.count >= Int(context.config.int(.maxclients)) {
            context.stats.rejectedConnections += 1
            refuse(connection, with: frontEnd.rejectionBytes(for: .tooManyClients))
            return
        }
        let (peerIP, peerPort) = connection.peerAddress()
        if refusedByProtectedMode(peerIP), let reply = frontEnd.rejectionBytes(for: .protectedMode) {
            // Redis 7: protected mode with no password for the default user serves loopback only,
            // whatever `bind` says; others get one line and the connection is closed.
            refuse(connection, with: reply)
            return
        }
        connection.setNoDelay()
        connection.setKeepAlive(seconds: Int(context.config.int(.tcpKeepalive)))
        let (localIP, localPort) = connection.localAddress()
        let outbox = Outbox(queue: context.flushQueue)
        let info = ClientInfo(
            id: context.allocateClientID(), kind: kind, peerAddress: Server.formatAddress(peerIP, peerPort),
            localAddress: Server.formatAddress(localIP, localPort), isLoopback: Server.isLoopback(peerIP),
            outbox: outbox, nowMs: context.nowMs)
        let client = ClientConnection(server: self, connection: connection, info: info)
        outbox.writer = client
        context.clients[info.id] = info
        connections[info.id] = client
        connection.delegate = client
        client.session = frontEnd.makeSession(client: info)
        log.verbose("Accepted \(info.peerAddress)")
        connection.startReading()
    }

    /// Writes the front end's refusal (a fresh socket always takes these few bytes with the
    /// try-write) and closes the connection.
    private func refuse(_ connection: TCPConnection, with reply: Bytes?) {
        if let reply { _ = reply.withUnsafeBytes { connection.write($0) } }
        connection.close()
    }

    /// Called by a ClientConnection as it closes.
    func clientDidClose(_ client: ClientConnection) {
        context.clients[client.info.id] = nil
        connections[client.info.id] = nil
        log.verbose("Client closed connection id=\(client.info.id) addr=\(client.info.peerAddress)")
        if shuttingDown && connections.isEmpty { finishShutdown() }
    }

    /// `protected-mode yes`, no `requirepass`, and a peer that is not on the loopback interface.
    func refusedByProtectedMode(_ peerIP: String) -> Bool {
        let config = context.config
        return config.bool(.protectedMode) && config.string(.requirepass).isEmpty && !Server.isLoopback(peerIP)
    }

    static func formatAddress(_ ip: String, _ port: Int) -> String {
        ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    static func isLoopback(_ ip: String) -> Bool { ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.") }
}

/// Why the server could not start (bind failures, missing front end).
public struct ServerStartError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
