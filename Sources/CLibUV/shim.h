// The libuv surface Swift sees. libuv handle types are C "subclasses" (uv_tcp_t starts with a
// uv_stream_t, which starts with a uv_handle_t); these casts keep Swift code free of unsafeBitCast.
#ifndef LATCHKEY_CLIBUV_SHIM_H
#define LATCHKEY_CLIBUV_SHIM_H
#include <uv.h>

/// A TCP handle as the generic handle libuv's close/ref APIs take.
static inline uv_handle_t *lk_tcp_as_handle(uv_tcp_t *t) { return (uv_handle_t *)t; }
/// A TCP handle as the stream libuv's read/write/listen APIs take.
static inline uv_stream_t *lk_tcp_as_stream(uv_tcp_t *t) { return (uv_stream_t *)t; }
/// A stream back to its TCP handle (all our streams are TCP).
static inline uv_tcp_t *lk_stream_as_tcp(uv_stream_t *s) { return (uv_tcp_t *)s; }
/// Any concrete handle (timer, prepare, check, async, signal) as a generic handle.
static inline uv_handle_t *lk_as_handle(void *h) { return (uv_handle_t *)h; }
#endif
