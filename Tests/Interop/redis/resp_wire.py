"""Raw RESP over a plain socket, for the tests that must see exact bytes.

`RawConn` sends literal bytes and reads whole replies (RESP2 and RESP3 frames), returning both
the raw bytes of each reply and a parsed value. Used by the bad-input and differential suites,
where redis-py would hide the wire format. Parsing of replies only; no request building beyond
`encode()`.
"""
import socket
import time

DEFAULT_TIMEOUT = 5.0


def encode(*args):
    """One multibulk request from str/bytes/int arguments."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a).encode()
        elif isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Closed(Exception):
    """The server closed the connection before a whole reply arrived."""


class Reply:
    """One decoded reply: `kind` is the RESP type byte as a str ('+', '-', ':', '$', '*', '%',
    '_', '#', ',', '(', '=', '~', '>', '|'); `value` is bytes/int/bool/None/list (maps are lists
    of (key, value) pairs); `raw` is the exact bytes of the frame."""

    __slots__ = ("kind", "value", "raw")

    def __init__(self, kind, value, raw):
        self.kind, self.value, self.raw = kind, value, raw

    def __repr__(self):
        return "Reply(%r)" % (self.raw,)

    def __eq__(self, other):
        return isinstance(other, Reply) and self.raw == other.raw

    @property
    def is_error(self):
        return self.kind == "-" or self.kind == "!"


class RawConn:
    def __init__(self, port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

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

    def cmd(self, *args):
        """Send one command and return its Reply."""
        self.send(encode(*args))
        return self.read()

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise Closed(bytes(self.buf[self.pos:]))
        self.buf += chunk

    def _line(self):
        while True:
            idx = self.buf.find(b"\r\n", self.pos)
            if idx >= 0:
                line = bytes(self.buf[self.pos:idx])
                self.pos = idx + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n + 2
        return data

    def read(self):
        """Read one complete reply frame."""
        start = self.pos
        value = self._parse()
        raw = bytes(self.buf[start:self.pos])
        kind = chr(raw[0])
        # Compact the buffer between replies.
        del self.buf[:self.pos]
        self.pos = 0
        return Reply(kind, value, raw)

    def _parse(self):
        line = self._line()
        if not line:
            raise ValueError("empty reply line")
        t, rest = chr(line[0]), line[1:]
        if t in "+-(,":
            return rest
        if t == ":":
            return int(rest)
        if t == "_":
            return None
        if t == "#":
            return rest == b"t"
        if t in "$=!":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t in "*~>":
            n = int(rest)
            return None if n < 0 else [self._parse() for _ in range(n)]
        if t in "%|":
            n = int(rest)
            return [(self._parse(), self._parse()) for _ in range(n)]
        raise ValueError("unknown reply type %r in %r" % (t, line))

    def read_all_until_close(self, timeout=DEFAULT_TIMEOUT):
        """Everything the server sends until it closes the connection (bytes)."""
        deadline = time.monotonic() + timeout
        data = bytes(self.buf[self.pos:])
        self.buf.clear()
        self.pos = 0
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionResetError:
                return data
            except socket.timeout:
                break
            if not chunk:
                return data
            data += chunk
        raise TimeoutError("server did not close the connection; got %r" % data)

    def is_closed(self, timeout=2.0):
        """True when the peer has closed (EOF or reset) within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
