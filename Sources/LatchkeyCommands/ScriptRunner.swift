// The command layer's side of scripting: owns the one LuaInterpreter, implements ScriptHost
// (redis.call runs through the same gate as a client's command, on a script client that shares
// the caller's database and the script's fixed "now"), writes script results with the caller's
// ReplyWriter, and answers -BUSY to other clients while a script runs. EVAL/SCRIPT argument
// handling is in ScriptingCommands.swift; Lua itself is LatchkeyScripting's.
import LatchkeyCore
import LatchkeyRESP
import LatchkeyScripting

/// Scripting state of one CommandEngine.
public final class ScriptRunner: ScriptHost {
    // unowned(unsafe): the engine owns this runner, so it always outlives it (no per-call check).
    unowned(unsafe) let engine: CommandEngine
    /// The interpreter (one lua_State for the server's life).
    public let interpreter: LuaInterpreter
    /// The fake client scripts' commands run as (db follows the caller at each EVAL).
    let client: RESPClientState
    /// Reused for every redis.call reply (its protocol follows redis.setresp).
    let writer = ReplyWriter(protocolVersion: 2, capacity: 256)
    /// Whether the running script is EVAL_RO/EVALSHA_RO.
    var readOnly = false
    /// The script's "now" (its caller's command time), used for every command it runs.
    var nowMs: Int64 = 0

    init(engine: CommandEngine) {
        self.engine = engine
        let config = engine.context.config
        interpreter = LuaInterpreter(
            memoryLimit: Int(config.int("lua-memory-limit")), busyThresholdMs: config.int("busy-reply-threshold"),
            version: CommandEngine.redisVersion)
        client = engine.makeDetachedClient()
        interpreter.host = self
    }

    /// Re-reads `lua-memory-limit` and `busy-reply-threshold` (after CONFIG SET).
    public func configChanged() {
        let config = engine.context.config
        interpreter.memoryLimit = Int(config.int("lua-memory-limit"))
        interpreter.busyThresholdMs = config.int("busy-reply-threshold")
    }

    /// Called by the interpreter, every ~100k Lua instructions once a script has run past
    /// `busy-reply-threshold`: the server reads and dispatches other clients' input here (they
    /// are answered -BUSY, except SCRIPT KILL and SHUTDOWN) and flushes their outboxes. It must
    /// not run cron, timers or anything else that changes data.
    public var busyPump: (() -> Void)? {
        get { interpreter.onBusy }
        set { interpreter.onBusy = newValue }
    }

    /// SHUTDOWN NOSAVE while a script is busy: stops it even if it has written.
    public func abortForShutdown() { interpreter.abort() }

    // MARK: ScriptHost

    public func scriptCall(_ argv: UnsafeBufferPointer<ByteView>, resp: Int, reply: (UnsafeRawBufferPointer) -> Void) {
        // Redis answers scripts with their own texts for unknown commands, bad arity and
        // read-only violations, so resolve the spec here before handing over to the gate.
        guard let command = engine.commands.find(argv[0]) else { return ScriptRunner.unknown.withUnsafeBytes(reply) }
        var spec = command
        if !command.subcommands.isEmpty && argv.count >= 2 {
            guard let sub = command.subcommand(argv[1]) else { return ScriptRunner.unknown.withUnsafeBytes(reply) }
            spec = sub
        }
        guard spec.accepts(argc: argv.count) else { return ScriptRunner.arity.withUnsafeBytes(reply) }
        let flags = command.flags.union(spec.flags)
        // Blocking commands are refused too, as redis-server 7.0 refuses BLPOP & co. from Lua
        // (checked by the differential suite): a script must never wait for another client.
        if !flags.isDisjoint(with: [.noscript, .blocking]) { return ScriptRunner.notAllowed.withUnsafeBytes(reply) }
        let writes = flags.contains(.write)
        if writes && readOnly { return ScriptRunner.readOnlyWrite.withUnsafeBytes(reply) }
        writer.bytes.removeAll(keepingCapacity: true)
        writer.protocolVersion = resp
        client.protocolVersion = resp
        engine.execute(argv, client: client, into: writer, fromScript: true, nowMs: nowMs)
        if writes && writer.bytes.first != 45 { interpreter.scriptWrote = true }
        writer.bytes.withUnsafeBytes(reply)
    }

    static let unknown = encodedError(ScriptErrors.unknownCommand)
    static let arity = encodedError(ScriptErrors.wrongArity)
    static let notAllowed = encodedError(ScriptErrors.notAllowed)
    static let readOnlyWrite = encodedError(ScriptErrors.writeInReadOnly)

    private static func encodedError(_ text: String) -> Bytes { Bytes(("-" + text + "\r\n").utf8) }

    // MARK: the busy gate

    /// Whether the gate must refuse `spec` with -BUSY: a script is running (so this command
    /// comes from the busy pump) and it is not one Redis 7 flags allow_busy (of those we have:
    /// SCRIPT KILL, SHUTDOWN, and AUTH/HELLO/QUIT/RESET so clients can still connect).
    @inline(__always) func refusesWhileBusy(_ spec: CommandSpec) -> Bool {
        interpreter.isRunning && !ScriptRunner.allowedWhileBusy.contains(spec.fullName)
    }

    static let allowedWhileBusy: Set<String> = ["script|kill", "shutdown", "auth", "hello", "quit", "reset"]
}

/// Writes a script's result with the caller's ReplyWriter (which down-converts for RESP2).
struct WriterSink: ScriptReplySink {
    let w: ReplyWriter

    private func line(_ type: UInt8, _ s: UnsafeBufferPointer<UInt8>) {
        w.bytes.append(type)
        w.bytes.append(contentsOf: s)
        w.bytes.append(13)
        w.bytes.append(10)
    }

    mutating func writeStatus(_ s: UnsafeBufferPointer<UInt8>) { line(43, s) }
    mutating func writeError(_ s: UnsafeBufferPointer<UInt8>) { line(45, s) }
    mutating func writeInteger(_ v: Int64) { w.integer(v) }
    mutating func writeBulk(_ s: UnsafeBufferPointer<UInt8>) {
        if let p = s.baseAddress { w.bulk(p, s.count) } else { w.bulk(Bytes()) }
    }
    mutating func writeNull() { w.null() }
    mutating func writeBool(_ b: Bool) { w.bool(b) }
    mutating func writeDouble(_ d: Double) { w.double(d) }
    mutating func writeBigNumber(_ s: UnsafeBufferPointer<UInt8>) { w.bigNumber(Bytes(s)) }
    mutating func writeVerbatim(format: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>) {
        guard w.isRESP3 else { return writeBulk(text) }
        w.bytes.append(61)  // '='
        ASCII.appendDecimal(Int64(text.count + 4), to: &w.bytes)
        w.bytes.append(13)
        w.bytes.append(10)
        w.bytes.append(contentsOf: format.prefix(3))
        if format.count < 3 { w.bytes.append(contentsOf: repeatElement(32, count: 3 - format.count)) }
        w.bytes.append(58)
        w.bytes.append(contentsOf: text)
        w.bytes.append(13)
        w.bytes.append(10)
    }
    mutating func writeArrayHeader(_ n: Int) { w.arrayHeader(n) }
    mutating func writeMapHeader(_ n: Int) { w.mapHeader(n) }
    mutating func writeSetHeader(_ n: Int) { w.setHeader(n) }
}
