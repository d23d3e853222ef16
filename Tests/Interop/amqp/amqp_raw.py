"""A tiny raw AMQP 0-9-1 client for error-path tests: frames, a few method encoders, a handshake.

It exists so tests can send what no stock client sends (wrong headers, oversized or misplaced frames,
silence after a heartbeat negotiation) and read the server's exact close frame. It knows only the
handful of methods those tests need; the stock clients cover everything else.
"""
import socket
import struct
import time

FRAME_METHOD, FRAME_HEADER, FRAME_BODY, FRAME_HEARTBEAT = 1, 2, 3, 8
FRAME_END = 0xCE
PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"


def shortstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">B", len(b)) + b


def longstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">I", len(b)) + b


def table(d):
    """Encodes a field table of str/bool/int/bytes/dict values (the tags RabbitMQ accepts)."""
    out = b""
    for k, v in d.items():
        out += shortstr(k)
        if isinstance(v, bool):
            out += b"t" + struct.pack(">B", 1 if v else 0)
        elif isinstance(v, int):
            out += b"l" + struct.pack(">q", v)
        elif isinstance(v, dict):
            out += b"F" + table(v)
        else:
            out += b"S" + longstr(v)
    return struct.pack(">I", len(out)) + out


def frame(ftype, channel, payload):
    return struct.pack(">BHI", ftype, channel, len(payload)) + payload + bytes([FRAME_END])


def method(channel, class_id, method_id, args=b""):
    return frame(FRAME_METHOD, channel, struct.pack(">HH", class_id, method_id) + args)


def content_header(channel, body_size, class_id=60, flags=0, props=b""):
    return frame(FRAME_HEADER, channel, struct.pack(">HHQH", class_id, 0, body_size, flags) + props)


def body(channel, data):
    return frame(FRAME_BODY, channel, data)


def heartbeat():
    return frame(FRAME_HEARTBEAT, 0, b"")


def channel_open(channel):
    return method(channel, 20, 10, shortstr(""))


def queue_declare(channel, name, passive=False, durable=False, exclusive=False, auto_delete=False):
    bits = (passive << 0) | (durable << 1) | (exclusive << 2) | (auto_delete << 3)
    return method(channel, 50, 10, struct.pack(">H", 0) + shortstr(name) + bytes([bits]) + table({}))


def basic_publish(channel, exchange, routing_key, mandatory=False):
    return method(channel, 60, 40, struct.pack(">H", 0) + shortstr(exchange) + shortstr(routing_key)
                  + bytes([1 if mandatory else 0]))


def basic_get(channel, queue, no_ack=True):
    return method(channel, 60, 70, struct.pack(">H", 0) + shortstr(queue) + bytes([1 if no_ack else 0]))


class Close:
    """A connection.close or channel.close seen from the server."""

    def __init__(self, channel, code, text, class_id, method_id):
        self.channel, self.code, self.text, self.class_id, self.method_id = channel, code, text, class_id, method_id

    def __repr__(self):
        return "Close(ch=%d, %d, %r, %d/%d)" % (self.channel, self.code, self.text, self.class_id, self.method_id)


def parse_close(channel, payload):
    code, = struct.unpack_from(">H", payload, 4)
    n = payload[6]
    text = payload[7:7 + n].decode(errors="replace")
    class_id, method_id = struct.unpack_from(">HH", payload, 7 + n)
    return Close(channel, code, text, class_id, method_id)


class RawClient:
    def __init__(self, host, port, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.timeout = timeout
        self.server_properties = None
        self.frame_max = None
        self.heartbeat = None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no data from server")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            except socket.timeout:
                raise TimeoutError("no data from server")
            if not chunk:
                return False
            self.buf += chunk
        return True

    def read_raw(self, n, timeout=None):
        """Exactly n bytes (or fewer if the peer closed)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        self._fill(n, deadline)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self, timeout=None):
        """(type, channel, payload), or None when the server closed the socket."""
        deadline = time.monotonic() + (timeout or self.timeout)
        if not self._fill(7, deadline):
            return None
        ftype, channel, size = struct.unpack_from(">BHI", self.buf)
        if not self._fill(7 + size + 1, deadline):
            return None
        payload = self.buf[7:7 + size]
        assert self.buf[7 + size] == FRAME_END, "bad frame end from server"
        self.buf = self.buf[7 + size + 1:]
        return ftype, channel, payload

    def read_method(self, timeout=None, skip_heartbeats=True):
        """(channel, class_id, method_id, payload) of the next method frame, or None on EOF."""
        while True:
            f = self.read_frame(timeout)
            if f is None:
                return None
            ftype, channel, payload = f
            if ftype == FRAME_HEARTBEAT and skip_heartbeats:
                continue
            if ftype != FRAME_METHOD:
                return ("frame", ftype, channel, payload)
            class_id, method_id = struct.unpack_from(">HH", payload)
            return channel, class_id, method_id, payload

    def expect_method(self, class_id, method_id, timeout=None):
        m = self.read_method(timeout)
        assert m is not None, "server closed the socket while waiting for %d/%d" % (class_id, method_id)
        if (m[1], m[2]) != (class_id, method_id) and (m[1], m[2]) in ((10, 50), (20, 40)):
            raise AssertionError("expected %d/%d, got %r" % (class_id, method_id, parse_close(m[0], m[3])))
        assert (m[1], m[2]) == (class_id, method_id), "expected %d/%d, got %r" % (class_id, method_id, m[:3])
        return m

    def handshake(self, user="guest", password="guest", vhost="/", frame_max=None, heartbeat=0,
                  mechanism="PLAIN", capabilities=True, open_vhost=True):
        """Header, start-ok, tune-ok, open. Returns after open-ok (or after tune-ok if open_vhost=False)."""
        self.send(PROTOCOL_HEADER)
        self.expect_method(10, 10)
        props = {"product": "latchkey-interop-raw"}
        if capabilities:
            props["capabilities"] = {"authentication_failure_close": True, "consumer_cancel_notify": True}
        if mechanism == "PLAIN":
            response = b"\x00" + user.encode() + b"\x00" + password.encode()
        else:
            response = table({"LOGIN": user, "PASSWORD": password})[4:]
        self.send(method(0, 10, 11, table(props) + shortstr(mechanism) + longstr(response) + shortstr("en_US")))
        m = self.read_method()
        if m is None or (m[1], m[2]) != (10, 30):
            return m  # auth failure: a close or EOF, for the caller to check
        channel_max, server_frame_max, server_heartbeat = struct.unpack_from(">HIH", m[3], 4)
        self.frame_max = frame_max or server_frame_max
        self.heartbeat = heartbeat
        self.send(method(0, 10, 31, struct.pack(">HIH", channel_max, self.frame_max, heartbeat)))
        if not open_vhost:
            return m
        self.send(method(0, 10, 40, shortstr(vhost) + shortstr("") + b"\x00"))
        return self.read_method()

    def open(self, **kw):
        m = self.handshake(**kw)
        assert m is not None and (m[1], m[2]) == (10, 41), "handshake failed: %r" % (m,)
        return self

    def expect_connection_close(self, timeout=None, reply_close_ok=True):
        """Reads until connection.close; answers close-ok; returns Close. Fails on EOF first."""
        while True:
            m = self.read_method(timeout)
            assert m is not None, "server closed the socket without connection.close"
            if m[0] == "frame":
                continue
            if (m[1], m[2]) == (10, 50):
                c = parse_close(m[0], m[3])
                if reply_close_ok:
                    try:
                        self.send(method(0, 10, 51))
                    except OSError:
                        pass
                return c

    def expect_channel_close(self, channel, timeout=None):
        while True:
            m = self.read_method(timeout)
            assert m is not None, "server closed the socket without channel.close"
            if m[0] == "frame":
                continue
            if (m[1], m[2]) == (10, 50):
                raise AssertionError("expected channel.close, got connection close %r" % parse_close(m[0], m[3]))
            if (m[1], m[2]) == (20, 40) and m[0] == channel:
                c = parse_close(m[0], m[3])
                self.send(method(channel, 20, 41))
                return c

    def wait_eof(self, timeout=None):
        """True if the server closes the socket within timeout (discarding whatever it sends)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
