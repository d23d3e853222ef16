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
/// A write/work request's generic request view (for uv_cancel).
static inline uv_req_t *lk_as_req(void *r) { return (uv_req_t *)r; }

/// Formats a socket address as text ("127.0.0.1", "::1") and returns its port, or -1 when the
/// family is neither IPv4 nor IPv6. Keeps sockaddr casting out of Swift.
static inline int lk_sockaddr_format(const struct sockaddr_storage *ss, char *buf, size_t len) {
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        uv_ip4_name(a, buf, len);
        return ntohs(a->sin_port);
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        uv_ip6_name(a, buf, len);
        return ntohs(a->sin6_port);
    }
    if (len > 0) buf[0] = 0;
    return -1;
}

/// Fills `ss` from a textual IPv4 or IPv6 address; returns 0 or a libuv error code.
static inline int lk_sockaddr_parse(const char *ip, int port, struct sockaddr_storage *ss) {
    if (uv_ip4_addr(ip, port, (struct sockaddr_in *)ss) == 0) return 0;
    return uv_ip6_addr(ip, port, (struct sockaddr_in6 *)ss);
}

/// The storage as the generic sockaddr libuv's bind/getsockname take.
static inline struct sockaddr *lk_sockaddr(struct sockaddr_storage *ss) { return (struct sockaddr *)ss; }
#endif
