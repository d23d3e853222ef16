// The Lua 5.1 C API as Swift sees it. Lua 5.1 spells many API entry points as function-like
// macros, which Swift cannot import; each static inline wrapper here stands in for one of them.
#ifndef LATCHKEY_CLUA51_SHIM_H
#define LATCHKEY_CLUA51_SHIM_H
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

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
#endif
