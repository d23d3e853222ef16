// The script cache: compiled functions by SHA1 in the Lua registry only (never globals, so no
// script can reach or replace another's), with Redis 7.4's policy: EVAL-only scripts evicted
// least-recently-used past 500, SCRIPT LOAD scripts kept until SCRIPT FLUSH. The cache's bytes
// are kept out of lua-memory-limit, so a full cache never refuses new scripts. Compiling, and
// the collections after a failure, are here too.
import CLua51
import LatchkeyCore

/// One cached script.
struct CachedScript {
    /// luaL_ref in the registry.
    var ref: Int32
    /// Bytes Lua held more after compiling it (charged to the cache, not to the limit).
    var bytes: Int
    /// Arrived only by EVAL (evictable); SCRIPT LOAD makes it permanent.
    var evalOnly: Bool
}

extension LuaInterpreter {
    /// Redis 7.4's bound on EVAL-only scripts.
    public static let maxEvalScripts = 500

    /// Compiles `body` unless cached; `fromLoad` marks it permanent (SCRIPT LOAD).
    func cacheLookupOrCompile(_ body: UnsafeBufferPointer<UInt8>, sha: SHA1Digest, fromLoad: Bool) -> ScriptLoadResult {
        if let hit = cache[sha] {
            if fromLoad && hit.evalOnly {
                cache[sha]!.evalOnly = false
                evalOnlyCount -= 1
            }
            return .loaded(sha)
        }
        var status = compileText(body)
        if status == LUA_ERRMEM {
            // Garbage of earlier scripts may be all that stands in the way: collect, retry once.
            lk_lua_pop(L, 1)
            lua_gc(L, LUA_GCCOLLECT, 0)
            status = compileText(body)
        }
        if status != 0 {
            var len = 0
            let msg = lua_tolstring(L, -1, &len)
            let text = msg.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: len), as: UTF8.self) } ?? "?"
            lk_lua_pop(L, 1)
            // A failed compile leaves its partial function behind as garbage; collect it now
            // so the next script starts with room (issue 16 item 8).
            lua_gc(L, LUA_GCCOLLECT, 0)
            return .error(ScriptErrors.compilePrefix + text)
        }
        if !fromLoad && evalOnlyCount >= LuaInterpreter.maxEvalScripts { evictOldestEvalScript() }
        let ref = luaL_ref(L, LUA_REGISTRYINDEX)
        let bytes = max(0, runtime.pointee.used - usedBeforeCompile)
        cache[sha] = CachedScript(ref: ref, bytes: bytes, evalOnly: !fromLoad)
        if !fromLoad { evalOnlyCount += 1 }
        cacheBytes += bytes
        touch(ref)
        applyLimit()
        return .loaded(sha)
    }

    /// luaL_loadbuffer under the limit, always as source text (see lk_lua_load_text).
    private func compileText(_ body: UnsafeBufferPointer<UInt8>) -> Int32 {
        usedBeforeCompile = runtime.pointee.used
        let base = UnsafeRawPointer(body.baseAddress ?? UnsafePointer(bitPattern: 1)!)
        runtime.pointee.enforce = 1
        let status = lk_lua_load_text(L, base.assumingMemoryBound(to: CChar.self), body.count, "@user_script")
        runtime.pointee.enforce = 0
        return status
    }

    /// Marks a script as just used (the LRU order of EVAL-only scripts).
    @inline(__always) func touch(_ ref: Int32) {
        useClock &+= 1
        let i = Int(ref)
        if i >= useStamps.count { useStamps += [UInt64](repeating: 0, count: i - useStamps.count + 64) }
        if i >= 0 { useStamps[i] = useClock }
    }

    /// Drops the least recently used EVAL-only script (its SHA1 then gets NOSCRIPT).
    private func evictOldestEvalScript() {
        var oldest: (SHA1Digest, UInt64)?
        for (sha, s) in cache where s.evalOnly {
            let stamp = s.ref >= 0 && Int(s.ref) < useStamps.count ? useStamps[Int(s.ref)] : 0
            if oldest == nil || stamp < oldest!.1 { oldest = (sha, stamp) }
        }
        guard let (sha, _) = oldest, let s = cache.removeValue(forKey: sha) else { return }
        luaL_unref(L, LUA_REGISTRYINDEX, s.ref)
        evalOnlyCount -= 1
        cacheBytes -= s.bytes
        evictedScripts += 1
        if lastHitRef == s.ref { lastHitRef = nil }
        applyLimit()
    }

    /// SCRIPT FLUSH: forgets every cached script.
    public func flush() {
        for (_, s) in cache { luaL_unref(L, LUA_REGISTRYINDEX, s.ref) }
        cache.removeAll()
        evalOnlyCount = 0
        cacheBytes = 0
        lastHitRef = nil
        applyLimit()
        lua_gc(L, LUA_GCCOLLECT, 0)
    }

    /// The allocator's bound: the configured limit on top of what the cache holds.
    func applyLimit() { runtime.pointee.limit = baseMemoryLimit == 0 ? 0 : baseMemoryLimit + cacheBytes }

    /// After a run: a full collection when the garbage left behind is past half the limit
    /// (Lua 5.1 never collects before refusing an allocation, so the next script would pay).
    func collectIfMostlyGarbage() {
        guard baseMemoryLimit != 0 else { return }
        if runtime.pointee.used > idleBaseline + cacheBytes + baseMemoryLimit / 2 { lua_gc(L, LUA_GCCOLLECT, 0) }
    }
}
