// The one Lua 5.1 state of the server: running a script with fresh KEYS/ARGV tables and turning
// its result or error into a reply, and the busy/kill state that SCRIPT KILL and the server's
// busy pump read. The cache (LuaScriptCache.swift), the sandbox (LuaSandbox.swift), the redis
// library (LuaRedisLib.swift), the conversions (LuaConversions.swift, LuaReplyReader.swift) and
// the count hook (ScriptTimeout.swift) are extensions.
// Which commands a script may run, and how replies become bytes, is the command layer's business.
import CLua51
import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

/// What `SCRIPT KILL` found.
public enum ScriptKillResult: Equatable {
    /// No script is running (`-NOTBUSY`).
    case notBusy
    /// The running script has written; it cannot be stopped (`-UNKILLABLE`).
    case unkillable
    /// The script will fail with "Script killed by user..." at its next hook check (`+OK`).
    case killed
}

/// Outcome of compiling a script body.
public enum ScriptLoadResult: Equatable {
    case loaded(SHA1Digest)
    /// The full error text, e.g. "ERR Error compiling script (new function): user_script:1: ...".
    case error(String)
}

/// One embedded Lua 5.1 interpreter, created once and reused for every script.
public final class LuaInterpreter {
    // Permanent stack slots: the error handler, the running script's KEYS/ARGV tables (fresh
    // for every run, nil in between), and the real globals table (the scripts' `_G` is a
    // read-only proxy of it).
    enum Slot: Int32 {
        case errorHandler = 1
        case keys, argv, realGlobals
    }
    static let permanentSlots = Slot.realGlobals.rawValue
    /// VM instructions between two busy/kill checks (Redis uses the same period).
    static let hookPeriod: Int32 = 100_000

    let L: OpaquePointer
    let runtime: UnsafeMutablePointer<lk_lua_runtime>

    /// The command layer; must be set before running scripts that call `redis.call`, and must
    /// outlive the interpreter (it owns it). Unowned: read on every redis.call.
    public unowned(unsafe) var host: (any ScriptHost)?
    /// `redis.log(level, msg)`: level 0 (debug) ... 3 (warning) and the message.
    public var logHandler: ((Int, String) -> Void)?
    /// Called from inside a running script, every hook period once it has run longer than
    /// `busyThresholdMs`: the server processes other clients' input here (they get `-BUSY`,
    /// except SCRIPT KILL and SHUTDOWN NOSAVE).
    public var onBusy: (() -> Void)?
    /// `busy-reply-threshold` in milliseconds (as in Redis, 0 means busy from the first check;
    /// negative disables the busy state).
    public var busyThresholdMs: Int64

    /// True while a script runs (the dispatcher refuses other commands with `-BUSY` then).
    public private(set) var isRunning = false
    /// True once the running script has passed `busyThresholdMs`.
    public internal(set) var isBusy = false
    /// Set by the host when a write command succeeded in the running script (SCRIPT KILL then
    /// answers `-UNKILLABLE`).
    public var scriptWrote = false
    /// The RESP version the running script selected with `redis.setresp` (starts at 2).
    public internal(set) var scriptResp = 2

    var cache: [SHA1Digest: CachedScript] = [:]
    var evalOnlyCount = 0
    /// Bytes the cached functions hold (kept out of the limit, see LuaScriptCache.swift).
    var cacheBytes = 0
    var usedBeforeCompile = 0
    /// LRU stamps by registry ref (refs are small integers that Lua reuses).
    var useStamps: [UInt64] = []
    var useClock: UInt64 = 0
    /// EVAL-only scripts dropped by the LRU bound (INFO's `evicted_scripts` in Redis 7.4).
    public internal(set) var evictedScripts = 0
    /// `lua-memory-limit` as configured (the allocator's bound adds the cache's bytes).
    var baseMemoryLimit: Int
    /// What Lua holds with no script running and an empty cache (libraries, sandbox).
    var idleBaseline = 0
    /// Work units library calls have done since their last busy/limit check.
    var libraryWork = 0
    /// Set when a recursive library encoder/decoder was told to stop by libraryStep.
    var libraryStop: Int32?
    var killRequested = false
    var startMicros: Int64 = 0
    var currentSHA = SHA1Digest(0, 0, 0, 0, 0)
    // Where the error handler found the failing line (the "on @user_script:N." suffix).
    var errorSource: Bytes = []
    var errorLine: Int32 = -1
    // Reused argv for redis.call (no allocation per call once grown).
    var argScratch: UnsafeMutablePointer<ByteView>
    var argScratchCapacity = 16
    // EVALSHA's last hit: the 40 hex bytes exactly as the client sent them (either case) and
    // what they resolved to. Clients repeat one SHA for every call, so a 40-byte compare
    // replaces the hex parse and the dictionary hash. `lastHitRef == nil` means empty; SCRIPT
    // FLUSH empties it (compiling adds entries, so it never makes a hit stale).
    let lastHitHex = UnsafeMutablePointer<UInt8>.allocate(capacity: 40)
    var lastHitSHA = SHA1Digest(0, 0, 0, 0, 0)
    var lastHitRef: Int32?
    let versionText: String

    /// Creates the state, opens the safe libraries and seals the globals.
    /// - Parameters:
    ///   - memoryLimit: bytes Lua may hold while a script runs (`lua-memory-limit`; 0 = unlimited).
    ///   - busyThresholdMs: `busy-reply-threshold`.
    ///   - version: what `redis.REDIS_VERSION` reports.
    public init(memoryLimit: Int = 64 * 1024 * 1024, busyThresholdMs: Int64 = 5000, version: String = "7.4.0") {
        runtime = .allocate(capacity: 1)
        runtime.initialize(
            to: lk_lua_runtime(used: 0, limit: memoryLimit, enforce: 0, hook: nil, context: nil, fail_next: 0))
        L = lk_lua_newstate(runtime)!
        baseMemoryLimit = memoryLimit
        self.busyThresholdMs = busyThresholdMs
        versionText = version
        argScratch = .allocate(capacity: argScratchCapacity)
        runtime.pointee.context = Unmanaged.passUnretained(self).toOpaque()
        runtime.pointee.hook = LuaInterpreter.hookFunction
        setUpSandbox()
        lk_lua_sethook_count(L, LuaInterpreter.hookPeriod)
        // The chunk name every script is compiled under, interned for good: Lua 5.1's parser
        // does not anchor it while parsing, so a collection mid-parse could free it
        // (CVE-2025-49844 in Redis's copy). A string that is always referenced cannot be.
        pushStatic("@user_script")
        _ = luaL_ref(L, LUA_REGISTRYINDEX)
        idleBaseline = runtime.pointee.used
        assert(lua_gettop(L) == LuaInterpreter.permanentSlots)
    }

    deinit {
        lua_close(L)
        runtime.deallocate()
        argScratch.deallocate()
        lastHitHex.deallocate()
    }

    /// The interpreter a C callback belongs to.
    @inline(__always) static func from(_ L: OpaquePointer?) -> LuaInterpreter {
        Unmanaged<LuaInterpreter>.fromOpaque(lk_lua_runtime_of(L)!.pointee.context).takeUnretainedValue()
    }

    /// Bytes Lua currently holds (INFO memory's `used_memory_lua`).
    public var memoryUsed: Int { runtime.pointee.used }

    /// `lua-memory-limit` may change at run time (CONFIG SET).
    public var memoryLimit: Int {
        get { baseMemoryLimit }
        set {
            baseMemoryLimit = newValue
            applyLimit()
        }
    }

    /// Number of cached scripts (INFO's `number_of_cached_scripts`).
    public var cachedScripts: Int { cache.count }

    // MARK: - Script cache

    /// SCRIPT LOAD / the compile step of EVAL: compiles `body` unless its SHA1 is cached.
    public func load(_ body: UnsafeBufferPointer<UInt8>) -> ScriptLoadResult {
        let sha = SHA1.hash(body.baseAddress, count: body.count)
        return cacheLookupOrCompile(body, sha: sha, fromLoad: true)
    }

    /// Whether a script with this SHA1 (40 hex digits, any case) is cached.
    public func exists(_ shaHex: ByteView) -> Bool {
        guard let sha = SHA1Digest(hex: shaHex) else { return false }
        return cache[sha] != nil
    }

    // MARK: - Running

    /// EVAL: compiles (and caches) `body` if needed, runs it and writes its reply to `sink`.
    public func eval<S: ScriptReplySink>(
        body: UnsafeBufferPointer<UInt8>, keys: UnsafeBufferPointer<ByteView>, args: UnsafeBufferPointer<ByteView>,
        into sink: inout S
    ) {
        let sha = SHA1.hash(body.baseAddress, count: body.count)
        if case .error(let text) = cacheLookupOrCompile(body, sha: sha, fromLoad: false) {
            LuaInterpreter.writeError(text, into: &sink)
            return
        }
        run(sha: sha, ref: cache[sha]!.ref, keys: keys, args: args, into: &sink)
    }

    /// EVALSHA: runs a cached script. Returns false (writing nothing) when it is not cached,
    /// so the caller replies `-NOSCRIPT`.
    public func evalSHA<S: ScriptReplySink>(
        _ shaHex: ByteView, keys: UnsafeBufferPointer<ByteView>, args: UnsafeBufferPointer<ByteView>, into sink: inout S
    ) -> Bool {
        if shaHex.count == 40, let ref = lastHitRef, memcmp(lastHitHex, shaHex.base, 40) == 0 {
            run(sha: lastHitSHA, ref: ref, keys: keys, args: args, into: &sink)
            return true
        }
        guard let sha = SHA1Digest(hex: shaHex), let ref = cache[sha]?.ref else { return false }
        lastHitHex.update(from: shaHex.base, count: 40)
        lastHitSHA = sha
        lastHitRef = ref
        run(sha: sha, ref: ref, keys: keys, args: args, into: &sink)
        return true
    }

    private func run<S: ScriptReplySink>(
        sha: SHA1Digest, ref: Int32, keys: UnsafeBufferPointer<ByteView>, args: UnsafeBufferPointer<ByteView>,
        into sink: inout S
    ) {
        precondition(!isRunning, "scripts do not nest")
        assert(lua_gettop(L) == LuaInterpreter.permanentSlots)
        // Fresh tables for every run, as Redis makes them: whatever a script did to its
        // KEYS/ARGV (a metatable, extra fields) dies with it (issue 16 item 6).
        fresh(Slot.keys.rawValue, keys, global: "KEYS")
        fresh(Slot.argv.rawValue, args, global: "ARGV")
        lua_rawgeti(L, LUA_REGISTRYINDEX, ref)
        touch(ref)

        currentSHA = sha
        scriptResp = 2
        scriptWrote = false
        killRequested = false
        isBusy = false
        libraryWork = 0
        errorLine = -1
        startMicros = 0  // read at the first hook check: no clock read for short scripts
        isRunning = true
        runtime.pointee.enforce = 1
        let status = lua_pcall(L, 0, 1, Slot.errorHandler.rawValue)
        runtime.pointee.enforce = 0
        isRunning = false
        if killRequested { lk_lua_sethook_count(L, LuaInterpreter.hookPeriod) }
        killRequested = false
        isBusy = false

        if status == 0 {
            writeTop(into: &sink)
        } else if status == LUA_ERRMEM {
            LuaInterpreter.writeError(ScriptErrors.outOfMemory + " script: " + sha.hexString, into: &sink)
        } else {
            writeRuntimeError(into: &sink)
        }
        lk_lua_pop(L, 1)
        drop(Slot.keys.rawValue, global: "KEYS")
        drop(Slot.argv.rawValue, global: "ARGV")
        if status == LUA_ERRMEM { lua_gc(L, LUA_GCCOLLECT, 0) } else { collectIfMostlyGarbage() }
        assert(lua_gettop(L) == LuaInterpreter.permanentSlots)
    }

    /// A new table holding `values` in `slot` and as the global `name`.
    private func fresh(_ slot: Int32, _ values: UnsafeBufferPointer<ByteView>, global name: StaticString) {
        lua_createtable(L, Int32(clamping: values.count), 0)
        var i: Int32 = 0
        for v in values {
            i += 1
            v.base.withMemoryRebound(to: CChar.self, capacity: max(v.count, 1)) { lua_pushlstring(L, $0, v.count) }
            lua_rawseti(L, -2, i)
        }
        lua_replace(L, slot)
        pushStatic(name)
        lua_pushvalue(L, slot)
        lua_rawset(L, Slot.realGlobals.rawValue)
    }

    /// Forgets a run's KEYS/ARGV (so its strings can be collected right away).
    private func drop(_ slot: Int32, global name: StaticString) {
        lua_pushnil(L)
        lua_replace(L, slot)
        pushStatic(name)
        lua_pushnil(L)
        lua_rawset(L, Slot.realGlobals.rawValue)
    }
}
