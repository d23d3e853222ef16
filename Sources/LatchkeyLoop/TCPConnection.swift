// One accepted TCP socket: its read buffer, its write path and its close. Reads land in the
// loop's shared buffer when nothing is pending (no allocation, no copy for whole requests) and in
// a per-connection buffer that grows and compacts only when a partial request must be kept.
// Writes try uv_try_write first and queue only what the socket did not take. `readNow()` reads
// without the loop, for when it cannot run (busy scripts). What the bytes mean, and when to
// close, is the delegate's business.
import CLibUV

#if canImport(Glibc)
import Glibc
#endif

/// Receives a connection's events on the loop thread.
public protocol TCPConnectionDelegate: AnyObject {
    /// All received, unconsumed bytes (earlier leftovers first). Returns how many were consumed;
    /// the rest is offered again, with more appended, after the next read.
    func connection(_ connection: TCPConnection, received bytes: UnsafeRawBufferPointer) -> Int
    /// The peer closed (error nil) or the socket failed. The delegate should close.
    func connectionDidEnd(_ connection: TCPConnection, error: UVError?)
    /// A queued write completed (`queuedWriteBytes` went down).
    func connectionDidDrain(_ connection: TCPConnection)
    /// The handle is closed and freed; no further events follow.
    func connectionDidClose(_ connection: TCPConnection)
}

/// One TCP connection on the loop.
public final class TCPConnection: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_tcp_t>
    private let loop: EventLoop
    /// Receives reads, end-of-stream, drains and the final close.
    public weak var delegate: TCPConnectionDelegate?

    // Own read buffer, used only to keep a partial request between reads.
    @exclusivity(unchecked) private var buffer: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var capacity = 0
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var readingIntoShared = false

    /// True between startReading() and pauseReading()/close().
    @exclusivity(unchecked) public private(set) var isReading = false
    /// True once close() was called; the handle is freed in its close callback.
    @exclusivity(unchecked) public private(set) var isClosing = false
    @exclusivity(unchecked) private var writesInFlight = 0
    /// Bytes handed to uv_write and not yet confirmed written.
    @exclusivity(unchecked) public private(set) var queuedWriteBytes = 0

    /// Below this much free tail space a kept partial request makes the buffer grow or compact.
    static let minimumReadSpace = 16 * 1024
    /// Empty own buffers larger than this are released rather than kept for the next partial.
    static let keepCapacity = 64 * 1024

    init(acceptingFrom server: UnsafeMutablePointer<uv_tcp_t>, loop: EventLoop) throws(UVError) {
        self.loop = loop
        let h = try Handle.make(uv_tcp_t.self, "uv_tcp_init") { uv_tcp_init(loop.raw, $0) }
        handle = h
        try Handle.check(uv_accept(lk_tcp_as_stream(server), lk_tcp_as_stream(h)), "uv_accept", closing: h)
        Handle.attach(lk_as_handle(handle), owner: self)
    }

    /// Wraps a socket accepted outside the loop (`TCPListener.acceptNow`, used while a busy
    /// script blocks the loop). On failure the descriptor is closed.
    init(adopting fd: Int32, loop: EventLoop) throws(UVError) {
        self.loop = loop
        do throws(UVError) {
            let h = try Handle.make(uv_tcp_t.self, "uv_tcp_init") { uv_tcp_init(loop.raw, $0) }
            handle = h
            try Handle.check(uv_tcp_open(h, uv_os_sock_t(fd)), "uv_tcp_open", closing: h)
        } catch {
            // The handle does not own the descriptor until uv_tcp_open succeeds.
            Glibc.close(fd)
            throw error
        }
        Handle.attach(lk_as_handle(handle), owner: self)
    }

    /// The socket's descriptor (for poll() while the loop cannot run), or -1.
    public var fileDescriptor: Int32 {
        var fd = uv_os_fd_t(-1)
        if isClosing || uv_fileno(lk_tcp_as_handle(handle), &fd) < 0 { return -1 }
        return Int32(fd)
    }

    /// True while a queued write is outstanding (new output must wait behind it).
    public var isWriting: Bool { writesInFlight > 0 }

    /// Disables Nagle (replies leave as soon as they are written), as Redis does. Returns the
    /// error if the socket refused; like Redis, the server then serves the client anyway (only
    /// latency suffers), which is why the result may be discarded.
    @discardableResult public func setNoDelay() -> UVError? {
        let rc = uv_tcp_nodelay(handle, 1)
        return rc < 0 ? UVError(code: rc, operation: "uv_tcp_nodelay") : nil
    }

    /// Enables TCP keepalive probes after `seconds` of idleness (0 = leave off). Returns the
    /// error if the socket refused (the server ignores it, as Redis does). `seconds` past
    /// UInt32.max is clamped instead of trapping; the kernel refuses such a delay either way.
    @discardableResult public func setKeepAlive(seconds: Int) -> UVError? {
        guard seconds > 0 else { return nil }
        let rc = uv_tcp_keepalive(handle, 1, UInt32(clamping: seconds))
        return rc < 0 ? UVError(code: rc, operation: "uv_tcp_keepalive") : nil
    }

    /// The peer's address as (ip, port).
    public func peerAddress() -> (String, Int) { address(peer: true) }
    /// Our end's address as (ip, port).
    public func localAddress() -> (String, Int) { address(peer: false) }

    private func address(peer: Bool) -> (String, Int) {
        var ss = sockaddr_storage()
        var len = Int32(MemoryLayout<sockaddr_storage>.size)
        let rc =
            peer
            ? uv_tcp_getpeername(handle, lk_sockaddr(&ss), &len) : uv_tcp_getsockname(handle, lk_sockaddr(&ss), &len)
        if rc < 0 { return ("?", 0) }
        var name = [CChar](repeating: 0, count: 64)
        let port = lk_sockaddr_format(&ss, &name, name.count)
        let ip = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (ip, Int(port))
    }

    // MARK: reading

    /// Starts (or resumes) delivering reads to the delegate. If libuv refuses (the socket is no
    /// longer readable), the delegate hears `connectionDidEnd` with the error at once, as for a
    /// failed read.
    public func startReading() {
        guard !isReading, !isClosing else { return }
        isReading = true
        let rc = uv_read_start(
            lk_tcp_as_stream(handle),
            { h, _, buf in
                guard let buf else { return }
                let conn = Handle.owner(h, as: TCPConnection.self)
                conn?.provideBuffer(buf) ?? { buf.pointee = uv_buf_init(nil, 0) }()
            },
            { stream, nread, buf in
                let h = stream.flatMap { lk_tcp_as_handle(lk_stream_as_tcp($0)) }
                Handle.owner(h, as: TCPConnection.self)?.didRead(nread)
            })
        if rc < 0 {
            isReading = false
            delegate?.connectionDidEnd(self, error: UVError(code: rc, operation: "uv_read_start"))
        }
    }

    /// Stops reading (output back-pressure); bytes already buffered stay buffered.
    public func pauseReading() {
        guard isReading else { return }
        isReading = false
        uv_read_stop(lk_tcp_as_stream(handle))
    }

    private func provideBuffer(_ buf: UnsafeMutablePointer<uv_buf_t>) {
        if start == end {
            start = 0
            end = 0
            readingIntoShared = true
            buf.pointee = uv_buf_init(
                loop.sharedReadBuffer.assumingMemoryBound(to: CChar.self), UInt32(EventLoop.sharedReadBufferSize))
            return
        }
        readingIntoShared = false
        reserveTail(TCPConnection.minimumReadSpace)
        buf.pointee = uv_buf_init((buffer! + end).assumingMemoryBound(to: CChar.self), UInt32(capacity - end))
    }

    /// Makes at least `minimum` bytes free after `end`: compacts first, grows if that is not enough.
    private func reserveTail(_ minimum: Int) {
        if capacity - end >= minimum { return }
        if start > 0, let b = buffer {
            memmove(b, b + start, end - start)
            end -= start
            start = 0
            if capacity - end >= minimum { return }
        }
        let newCapacity = max(capacity * 2, end + minimum)
        buffer = realloc(buffer, newCapacity)
        precondition(buffer != nil, "out of memory growing a read buffer")
        capacity = newCapacity
    }

    private func didRead(_ nread: Int) {
        if nread < 0 {
            readEnded(nread == Int(UV_EOF.rawValue) ? nil : UVError(code: Int32(nread), operation: "read"))
            return
        }
        if nread == 0 { return }  // EAGAIN: nothing this time
        guard let delegate else { return }
        if readingIntoShared {
            readingIntoShared = false
            let base = loop.sharedReadBuffer
            let used = delegate.connection(self, received: UnsafeRawBufferPointer(start: base, count: nread))
            if isClosing || used >= nread { return }
            // Keep the unconsumed tail (a partial request) in our own buffer.
            let rest = nread - used
            start = 0
            end = 0
            reserveTail(max(rest, TCPConnection.minimumReadSpace))
            memcpy(buffer!, base + used, rest)
            end = rest
            return
        }
        end += nread
        deliverBuffered(to: delegate)
    }

    /// Reads what the socket holds right now with a non-blocking recv(), outside the loop (the
    /// server's busy-script pump: uv_run cannot be re-entered), and delivers it like a normal
    /// read. Always reads into this connection's own buffer, never the loop's shared one, which
    /// may hold the very request whose script is running. Does nothing unless reading.
    public func readNow() {
        guard isReading, !isClosing, let delegate else { return }
        let fd = fileDescriptor
        if fd < 0 { return }
        if start == end {
            start = 0
            end = 0
        }
        reserveTail(TCPConnection.minimumReadSpace)
        let n = recv(fd, buffer! + end, capacity - end, Int32(MSG_DONTWAIT))
        if n == 0 { return readEnded(nil) }
        if n < 0 {
            let e = errno
            if e == EAGAIN || e == EWOULDBLOCK || e == EINTR { return }
            return readEnded(UVError(code: -e, operation: "read"))
        }
        end += n
        deliverBuffered(to: delegate)
    }

    /// Offers the bytes a previous delivery left unconsumed to the delegate again, without
    /// reading (a session that had stopped taking commands, such as a client blocked in BLPOP,
    /// can take them now). Does nothing when nothing is buffered.
    public func redeliverBuffered() {
        guard !isClosing, let delegate, buffer != nil, start < end else { return }
        deliverBuffered(to: delegate)
    }

    /// The one delivery of the own buffer, shared by loop reads, `readNow` and
    /// `redeliverBuffered`: offers every unconsumed byte, drops what the delegate consumed, and
    /// gives back an oversized buffer once it is empty.
    private func deliverBuffered(to delegate: TCPConnectionDelegate) {
        let used = delegate.connection(
            self, received: UnsafeRawBufferPointer(start: buffer! + start, count: end - start))
        if isClosing { return }
        start += used
        if start >= end {
            start = 0
            end = 0
            if capacity > TCPConnection.keepCapacity { releaseBuffer() }
        }
    }

    /// End of stream (error nil) or a failed read, from the loop or from `readNow`.
    private func readEnded(_ error: UVError?) {
        pauseReading()
        delegate?.connectionDidEnd(self, error: error)
    }

    private func releaseBuffer() {
        free(buffer)
        buffer = nil
        capacity = 0
        start = 0
        end = 0
    }

    // MARK: writing

    /// Writes `bytes`: as much as the socket takes now, the rest copied and queued (in order
    /// behind any earlier queued write). Returns nil, or the error that makes the socket unusable.
    @discardableResult public func write(_ bytes: UnsafeRawBufferPointer) -> UVError? {
        if isClosing { return UVError(code: UV_ECANCELED.rawValue, operation: "write") }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        var offset = 0
        if writesInFlight == 0 {
            var buf = uv_buf_init(
                UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self)), UInt32(bytes.count))
            let n = uv_try_write(lk_tcp_as_stream(handle), &buf, 1)
            if n >= 0 {
                offset = Int(n)
            } else if n != UV_EAGAIN.rawValue {
                return UVError(code: n, operation: "write")
            }
        }
        let rest = bytes.count - offset
        if rest == 0 { return nil }
        // One allocation holds the request followed by its copy of the unwritten bytes.
        let header = MemoryLayout<uv_write_t>.stride
        let raw = malloc(header + rest)!
        let req = raw.bindMemory(to: uv_write_t.self, capacity: 1)
        memcpy(raw + header, base + offset, rest)
        req.pointee.data = UnsafeMutableRawPointer(bitPattern: rest)
        var buf = uv_buf_init((raw + header).assumingMemoryBound(to: CChar.self), UInt32(rest))
        let rc = uv_write(req, lk_tcp_as_stream(handle), &buf, 1) { req, status in
            guard let req else { return }
            let size = Int(bitPattern: req.pointee.data)
            let h = req.pointee.handle.flatMap { lk_tcp_as_handle(lk_stream_as_tcp($0)) }
            let conn = Handle.owner(h, as: TCPConnection.self)
            free(req)
            conn?.didWrite(size: size, status: status)
        }
        if rc < 0 {
            free(raw)
            return UVError(code: rc, operation: "write")
        }
        writesInFlight += 1
        queuedWriteBytes += rest
        return nil
    }

    private func didWrite(size: Int, status: Int32) {
        writesInFlight -= 1
        queuedWriteBytes -= size
        if isClosing { return }
        if status < 0 {
            delegate?.connectionDidEnd(self, error: UVError(code: status, operation: "write"))
        } else {
            delegate?.connectionDidDrain(self)
        }
    }

    // MARK: closing

    /// Closes now; queued writes are cancelled. `connectionDidClose` follows from the close callback.
    public func close() {
        if isClosing { return }
        isClosing = true
        isReading = false
        Handle.close(lk_as_handle(handle))
    }

    func handleDidClose() {
        releaseBuffer()
        delegate?.connectionDidClose(self)
    }
}
