// The Lua 5.1 C API as Swift sees it. Lua 5.1 spells many API entry points as function-like
// macros, which Swift cannot import; each static inline wrapper here stands in for one of them.
#ifndef LATCHKEY_CLUA51_SHIM_H
#define LATCHKEY_CLUA51_SHIM_H
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>

/// lua_pop(L, n)
static inline void lk_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
/// lua_newtable(L)
static inline void lk_lua_newtable(lua_State *L) { lua_newtable(L); }
/// lua_pushcfunction(L, f)
static inline void lk_lua_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
/// lua_tostring(L, i) (no length; prefer lua_tolstring)
static inline const char *lk_lua_tostring(lua_State *L, int i) { return lua_tostring(L, i); }
/// lua_isnil(L, i)
static inline int lk_lua_isnil(lua_State *L, int i) { return lua_isnil(L, i); }
/// lua_istable(L, i)
static inline int lk_lua_istable(lua_State *L, int i) { return lua_istable(L, i); }
/// lua_isboolean(L, i)
static inline int lk_lua_isboolean(lua_State *L, int i) { return lua_isboolean(L, i); }
/// lua_isfunction(L, i)
static inline int lk_lua_isfunction(lua_State *L, int i) { return lua_isfunction(L, i); }
/// lua_setglobal(L, name)
static inline void lk_lua_setglobal(lua_State *L, const char *s) { lua_setglobal(L, s); }
/// lua_getglobal(L, name)
static inline void lk_lua_getglobal(lua_State *L, const char *s) { lua_getglobal(L, s); }
/// lua_upvalueindex(i)
static inline int lk_lua_upvalueindex(int i) { return lua_upvalueindex(i); }
/// lua_register(L, name, f)
static inline void lk_lua_register(lua_State *L, const char *n, lua_CFunction f) { lua_register(L, n, f); }
/// lua_isnoneornil(L, i)
static inline int lk_lua_isnoneornil(lua_State *L, int i) { return lua_isnoneornil(L, i); }

// ---- Latchkey's runtime hooks -------------------------------------------------------------
// One lk_lua_runtime per lua_State, passed as the allocator's user data so every C entry point
// can find it with lua_getallocf. It bounds script memory (enforced only while Lua code runs,
// never while Swift code is on the stack, so an allocation failure can only longjmp over C and
// Lua frames) and carries the Swift callbacks for the count hook.

/// Allocator accounting and Swift callback context for one lua_State.
typedef struct lk_lua_runtime {
    /// Bytes currently allocated by Lua.
    size_t used;
    /// Upper bound enforced while `enforce` is set (0 = unlimited).
    size_t limit;
    /// Non-zero while Lua code runs; cleared around Swift callbacks.
    int enforce;
    /// Count hook target: returns non-zero after pushing an error message to raise it.
    int (*hook)(lua_State *L);
    /// Opaque pointer back to the Swift interpreter.
    void *context;
    /// Set by the trampoline to make the next allocation fail: how a Swift library call that
    /// found the memory limit exceeded raises Lua's own memory error once it has returned.
    int fail_next;
} lk_lua_runtime;

/// The runtime record of a state created by lk_lua_newstate.
static inline lk_lua_runtime *lk_lua_runtime_of(lua_State *L) {
    void *ud = NULL;
    (void)lua_getallocf(L, &ud);
    return (lk_lua_runtime *)ud;
}

static inline void *lk_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    lk_lua_runtime *rt = (lk_lua_runtime *)ud;
    if (nsize == 0) {
        free(ptr);
        rt->used -= osize;
        return NULL;
    }
    if (rt->fail_next && nsize > osize) {
        rt->fail_next = 0;
        return NULL;
    }
    if (rt->enforce && rt->limit && nsize > osize && rt->used - osize + nsize > rt->limit) return NULL;
    void *p = realloc(ptr, nsize);
    if (p) {
        rt->used = rt->used - osize + nsize;
    } else if (!rt->enforce && nsize > osize) {
        // Only the machine running out of memory gets here, and Swift frames may be on the
        // stack (enforcement is off while they run): Lua would longjmp over them. Stop instead.
        fputs("latchkey: out of memory in the Lua allocator\n", stderr);
        abort();
    }
    return p;
}

/// lua_newstate with the accounting allocator; `rt` must outlive the state.
static inline lua_State *lk_lua_newstate(lk_lua_runtime *rt) { return lua_newstate(lk_lua_alloc, rt); }

/// A Swift function exposed to Lua. Returns the number of results, LK_RAISE after pushing an
/// error value, LK_RAISE_MEMORY when it found the memory limit exceeded or LK_RAISE_KILLED
/// when SCRIPT KILL asked it to stop; the C trampoline
/// then raises (so longjmp never crosses a Swift frame). While it runs the allocator never
/// refuses (enforcement is off), and the Swift code may only call API functions that cannot
/// raise: pushes, raw gets/sets with keys it checked, lua_next on tables it does not change,
/// lua_checkstack. Anything that might raise is the trampoline's job, after the Swift frames
/// are gone.
typedef int (*lk_swift_function)(lua_State *L);

/// Return codes of a Swift function (a result count is >= 0).
#define LK_RAISE (-1)
#define LK_RAISE_MEMORY (-2)
/// SCRIPT KILL reached a library loop: the trampoline asks the count hook for the error value
/// (nested library code may have left other values above whatever it pushed).
#define LK_RAISE_KILLED (-3)

static inline int lk_lua_trampoline(lua_State *L) {
    lk_swift_function f = (lk_swift_function)lua_touserdata(L, lua_upvalueindex(1));
    lk_lua_runtime *rt = lk_lua_runtime_of(L);
    int enforce = rt->enforce;
    rt->enforce = 0;
    int n = f(L);
    rt->enforce = enforce;
    if (n == LK_RAISE_MEMORY) {
        // Lua's own out-of-memory error (LUA_ERRMEM, "not enough memory"), raised from here.
        rt->fail_next = 1;
        lua_createtable(L, 0, 0);
        rt->fail_next = 0;  /* not reached unless the table came from a free list */
        return lua_error(L);
    }
    if (n == LK_RAISE_KILLED && rt->hook) {
        rt->enforce = 0;
        int raise = rt->hook(L);
        rt->enforce = enforce;
        if (!raise) lua_pushstring(L, "Script killed");
    }
    if (n < 0) return lua_error(L);
    return n;
}

/// Pushes a Lua C function that calls the Swift function `f` through the trampoline.
static inline void lk_lua_pushswiftfunction(lua_State *L, lk_swift_function f) {
    lua_pushlightuserdata(L, (void *)f);
    lua_pushcclosure(L, lk_lua_trampoline, 1);
}

static inline void lk_lua_count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lk_lua_runtime *rt = lk_lua_runtime_of(L);
    if (!rt->hook) return;
    int enforce = rt->enforce;
    rt->enforce = 0;
    int raise = rt->hook(L);
    rt->enforce = enforce;
    if (raise) lua_error(L);
}

/// Installs the count hook that calls rt->hook every `count` VM instructions (0 removes it).
static inline void lk_lua_sethook_count(lua_State *L, int count) {
    if (count > 0) lua_sethook(L, lk_lua_count_hook, LUA_MASKCOUNT, count);
    else lua_sethook(L, NULL, 0, 0);
}

/// Reader state for lk_lua_load_text.
typedef struct lk_text_reader {
    const char *text;
    size_t len;
    int step;
} lk_text_reader;

static inline const char *lk_text_read(lua_State *L, void *ud, size_t *size) {
    (void)L;
    lk_text_reader *r = (lk_text_reader *)ud;
    switch (r->step++) {
    case 0: *size = 1; return " ";
    case 1: *size = r->len; return r->text;
    default: *size = 0; return NULL;
    }
}

/// luaL_loadbuffer that always parses source text. Lua 5.1 picks its bytecode loader when the
/// first byte is ESC, and that loader trusts its input (Redis removed it from f_parser); a
/// space in front keeps line numbers and makes the parser report the ESC as Redis's Lua does.
static inline int lk_lua_load_text(lua_State *L, const char *buf, size_t len, const char *name) {
    if (len == 0 || buf[0] != 27) return luaL_loadbuffer(L, buf, len, name);
    lk_text_reader r = { buf, len, 0 };
    return lua_load(L, lk_text_read, &r, name);
}

/// Formats a Lua number the way Redis passes numeric arguments to commands ("%.17g").
static inline int lk_format_g17(char *buf, size_t cap, double d) { return snprintf(buf, cap, "%.17g", d); }
#endif
