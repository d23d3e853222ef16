// A listening TCP socket on one address. Binds IPv4 or IPv6 (IPv6 sockets are IPv6-only so
// "127.0.0.1" and "::1" can share a port), resolves port 0 to the port the kernel picked, and
// hands every accepted socket to a closure as a TCPConnection. It does not decide whether a
// connection is welcome (maxclients) — that is the server's job. `acceptNow()` accepts without
// the loop, for when it cannot run (busy scripts).
import CLibUV

#if canImport(Glibc)
import Glibc
#endif

/// One listening socket.
public final class TCPListener: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_tcp_t>
    private let loop: EventLoop
    private let onAccept: (TCPConnection) -> Void
    private var closed = false
    /// The address as given ("127.0.0.1", "::1").
    public let host: String
    /// The bound port (the real one when 0 was asked for).
    public private(set) var port: Int = 0

    /// Binds and starts listening. Throws a UVError naming the address when it cannot.
    public init(
        loop: EventLoop, host: String, port: Int, backlog: Int32, onAccept: @escaping (TCPConnection) -> Void
    ) throws(UVError) {
        self.loop = loop
        self.host = host
        self.onAccept = onAccept
        let what = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var addr = sockaddr_storage()
        try uvCheck(lk_sockaddr_parse(host, Int32(port), &addr), "bad address \(what)")
        handle = try Handle.make(uv_tcp_t.self, "uv_tcp_init") { uv_tcp_init(loop.raw, $0) }
        Handle.attach(lk_as_handle(handle), owner: self)
        do {
            let flags: UInt32 = addr.ss_family == sa_family_t(AF_INET6) ? UV_TCP_IPV6ONLY.rawValue : 0
            try uvCheck(uv_tcp_bind(handle, lk_sockaddr(&addr), flags), "bind \(what)")
            try uvCheck(
                uv_listen(lk_tcp_as_stream(handle), backlog) { server, status in
                    let h = server.flatMap { lk_tcp_as_handle(lk_stream_as_tcp($0)) }
                    Handle.owner(h, as: TCPListener.self)?.accept(status: status)
                }, "listen \(what)")
            var bound = sockaddr_storage()
            var len = Int32(MemoryLayout<sockaddr_storage>.size)
            try uvCheck(uv_tcp_getsockname(handle, lk_sockaddr(&bound), &len), "getsockname \(what)")
            var name = [CChar](repeating: 0, count: 64)
            self.port = Int(lk_sockaddr_format(&bound, &name, name.count))
        } catch {
            close()
            throw error
        }
    }

    private func accept(status: Int32) {
        guard status >= 0, !closed else { return }
        guard let conn = try? TCPConnection(acceptingFrom: handle, loop: loop) else { return }
        onAccept(conn)
    }

    /// Accepts one pending connection with accept() outside the loop (the server's busy-script
    /// pump, when uv_run cannot be re-entered). Nil when none is pending or it cannot be set up.
    public func acceptNow() -> TCPConnection? {
        if closed { return nil }
        var fd = uv_os_fd_t(-1)
        if uv_fileno(lk_tcp_as_handle(handle), &fd) < 0 { return nil }
        // The listening socket is non-blocking (libuv), so this never waits; uv_tcp_open makes
        // the new socket non-blocking too.
        let s = Glibc.accept(Int32(fd), nil, nil)
        if s < 0 { return nil }
        _ = fcntl(s, F_SETFD, FD_CLOEXEC)
        return try? TCPConnection(adopting: s, loop: loop)
    }

    /// The listening socket's descriptor (for poll() while the loop cannot run), or -1.
    public var fileDescriptor: Int32 {
        var fd = uv_os_fd_t(-1)
        if closed || uv_fileno(lk_tcp_as_handle(handle), &fd) < 0 { return -1 }
        return Int32(fd)
    }

    /// "127.0.0.1:6379" or "[::1]:6379", with the real port.
    public var addressDescription: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Stops accepting; the handle is freed in its close callback.
    public func close() {
        if closed { return }
        closed = true
        Handle.close(lk_as_handle(handle))
    }
}
