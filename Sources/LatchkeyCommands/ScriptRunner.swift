// The command layer's side of scripting: owns the one LuaInterpreter, implements ScriptHost
// (redis.call runs through the one gate, told it comes from a script, on a script client that
// shares the caller's database and the script's fixed "now"), writes script results with the
// caller's ReplyWriter, and answers -BUSY to other clients while a script runs. EVAL/SCRIPT
// argument handling is in ScriptingCommands.swift; Lua itself is LatchkeyScripting's.
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
            memoryLimit: Int(config.int(.luaMemoryLimit)), busyThresholdMs: config.int(.busyReplyThreshold),
            version: CommandEngine.redisVersion)
        client = engine.makeDetachedClient()
        interpreter.host = self
    }

    /// Re-reads `lua-memory-limit` and `busy-reply-threshold` (after CONFIG SET).
    public func configChanged() {
        let config = engine.context.config
        interpreter.memoryLimit = Int(config.int(.luaMemoryLimit))
        interpreter.busyThresholdMs = config.int(.busyReplyThreshold)
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
        writer.bytes.removeAll(keepingCapacity: true)
        writer.protocolVersion = resp
        client.protocolVersion = resp
        let ran = engine.execute(argv, client: client, into: writer, origin: .script(readOnly: readOnly), nowMs: nowMs)
        if let spec = ran, spec.gateFlags.contains(.write), writer.bytes.first != 45 { interpreter.scriptWrote = true }
        writer.bytes.withUnsafeBytes(reply)
    }

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
    let ctx: CommandContext
    var w: ReplyWriter { ctx.reply }
    /// The next error is a command's, already counted (ignore_error_stats_update).
    private var nextIsPassedOn = false

    init(ctx: CommandContext) { self.ctx = ctx }

    mutating func errorAlreadyCounted() { nextIsPassedOn = true }

    mutating func writeStatus(_ s: UnsafeBufferPointer<UInt8>) { w.status(s) }
    mutating func writeError(_ s: UnsafeBufferPointer<UInt8>) {
        w.error(s)
        if nextIsPassedOn {
            ctx.scriptReplyErrors.passedOn += 1
            nextIsPassedOn = false
        } else {
            ctx.engine.countError(Bytes(s), from: 0)
            ctx.scriptReplyErrors.ownCounted = true
        }
    }
    mutating func writeInteger(_ v: Int64) { w.integer(v) }
    mutating func writeBulk(_ s: UnsafeBufferPointer<UInt8>) {
        if let p = s.baseAddress { w.bulk(p, s.count) } else { w.bulk(Bytes()) }
    }
    mutating func writeNull() { w.null() }
    mutating func writeBool(_ b: Bool) { w.bool(b) }
    mutating func writeDouble(_ d: Double) { w.double(d) }
    mutating func writeBigNumber(_ s: UnsafeBufferPointer<UInt8>) { w.bigNumber(Bytes(s)) }
    mutating func writeVerbatim(format: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>) {
        w.verbatim(format: format, text: text)
    }
    mutating func writeArrayHeader(_ n: Int) { w.arrayHeader(n) }
    mutating func writeMapHeader(_ n: Int) { w.mapHeader(n) }
    mutating func writeSetHeader(_ n: Int) { w.setHeader(n) }
}
