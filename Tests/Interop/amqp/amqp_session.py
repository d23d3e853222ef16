"""Scripted raw-frame AMQP sessions that record, step by step, every frame a server sends back.

The differential (test_differential_amqp.py) runs one script against RabbitMQ and against Latchkey
and compares the two transcripts. A step sends one method (or raw bytes); what follows it is read
until every open channel of every connection in the session has answered a *barrier* (a passive
queue.declare of a private queue, whose declare-ok is recognisable and then dropped), or closed.
Because RabbitMQ orders frames only within a channel, a step's frames are grouped per connection
and channel (order kept inside a group). Generated names (amq.gen-*, amq.ctag-*) and the run's own
name prefix are normalised so the two transcripts can be compared as plain data.
"""
import re
import socket
import struct
import time
import uuid

import amqp_spec as spec

FRAME_METHOD, FRAME_HEADER, FRAME_BODY, FRAME_HEARTBEAT = 1, 2, 3, 8
PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
BARRIER_QUEUE = "lk-differential-barrier"
GENERATED = re.compile(r"amq\.(gen|ctag)-[A-Za-z0-9_\-]+")


def frame(ftype, channel, payload):
    return struct.pack(">BHI", ftype, channel, len(payload)) + payload + b"\xce"


class Conn:
    """One connection of a session: a socket, a read buffer and the state of its channels."""

    def __init__(self, session, name, sock):
        self.session, self.name, self.sock = session, name, sock
        self.buf = b""
        self.open_channels = set()
        self.barriers = set()     # channels whose barrier reply is outstanding
        self.eof = False
        self.closing = False      # we sent connection.close
        self.pending_content = {}  # channel -> [method entry, expected size, props, body]
        self.frame_max = 131072

    # --- sending ---
    def send_raw(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            self.eof = True

    def send_method(self, channel, name, **args):
        self.send_raw(frame(FRAME_METHOD, channel, spec.encode_method(name, **args)))

    # --- reading ---
    def read_frame(self, deadline):
        while True:
            if len(self.buf) >= 7:
                ftype, channel, size = struct.unpack_from(">BHI", self.buf)
                if len(self.buf) >= 8 + size:
                    payload = self.buf[7:7 + size]
                    self.buf = self.buf[8 + size:]
                    return ftype, channel, payload
            if self.eof:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError
            except OSError:
                chunk = b""
            if not chunk:
                self.eof = True
            self.buf += chunk


class Session:
    """Runs one script against one server; `transcript` is a list of (label, [entries])."""

    def __init__(self, host, port, settle=0.05, step_timeout=5.0):
        self.host, self.port = host, port
        self.prefix = "d%s" % uuid.uuid4().hex[:10]
        self.settle, self.step_timeout = settle, step_timeout
        self.conns = {}
        self.transcript = []
        self.auto_close_ok = True
        self.confirmed = {}   # (connection, channel) -> confirmed sequence numbers
        self._ensure_barrier_queue()

    def name(self, tag):
        return "%s-%s" % (self.prefix, tag)

    def _ensure_barrier_queue(self):
        c = self._connect("barrier-setup", record=False)[0]
        c.send_method(1, "channel.open")
        c.send_method(1, "queue.declare", queue=BARRIER_QUEUE)
        deadline = time.monotonic() + self.step_timeout
        while True:
            f = c.read_frame(deadline)
            assert f is not None, "server closed the setup connection"
            if f[0] == FRAME_METHOD and spec.decode_method(f[2])[0] == "queue.declare-ok":
                break
        c.sock.close()
        del self.conns["barrier-setup"]

    # --- connections ---
    def _connect(self, name, record=True, user="guest", password="guest", vhost="/", client_properties=None,
                 response=None, tune=None):
        sock = socket.create_connection((self.host, self.port), timeout=self.step_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c = Conn(self, name, sock)
        self.conns[name] = c
        c.send_raw(PROTOCOL_HEADER)
        deadline = time.monotonic() + self.step_timeout
        f = c.read_frame(deadline)
        start = spec.decode_method(f[2])
        props = client_properties if client_properties is not None else {
            "product": "latchkey-differential",
            "capabilities": {"consumer_cancel_notify": True, "basic.nack": True, "publisher_confirms": True,
                             "connection.blocked": True, "authentication_failure_close": True}}
        if response is None:
            response = b"\x00" + user.encode() + b"\x00" + password.encode()
        c.send_method(0, "connection.start-ok", client_properties=props, mechanism="PLAIN", response=response,
                      locale="en_US")
        entries = []
        f = c.read_frame(deadline)
        if f is None:
            entries.append("EOF")
        else:
            name_, fields = spec.decode_method(f[2])
            if name_ != "connection.tune":
                entries.append(self._normalise((c.name, f[1], name_, fields)))
                self._after_close_frame(c, f[1], name_, entries, deadline)
            else:
                entries.append((c.name, 0, name_, fields))
                channel_max, frame_max, heartbeat = fields["channel-max"], fields["frame-max"], fields["heartbeat"]
                t = dict(channel_max=channel_max, frame_max=frame_max, heartbeat=0)
                t.update(tune or {})
                c.frame_max = t["frame_max"] or frame_max
                c.send_method(0, "connection.tune-ok", **t)
                c.send_method(0, "connection.open", virtual_host=vhost)
                self._collect(entries, deadline, quiet_conn=c)
        if record:
            self.transcript.append(("connect %s" % name, entries))
        return c, start, entries

    def connect(self, name="c", **kw):
        """Opens a connection (handshake recorded as one step) and returns it."""
        c, _, _ = self._connect(name, **kw)
        return c

    def connect_start(self, name="c"):
        """Sends only the protocol header; returns (conn, connection.start fields). Not recorded."""
        sock = socket.create_connection((self.host, self.port), timeout=self.step_timeout)
        c = Conn(self, name, sock)
        self.conns[name] = c
        c.send_raw(PROTOCOL_HEADER)
        f = c.read_frame(time.monotonic() + self.step_timeout)
        return c, spec.decode_method(f[2])[1]

    # --- steps ---
    def call(self, conn, channel, method, label=None, settle=None, **args):
        """Sends one method and records what all connections receive until the barriers answer."""
        conn.send_method(channel, method, **args)
        if method == "channel.open":
            conn.open_channels.add(channel)
        if method == "connection.close":
            conn.closing = True
        if method in ("channel.close-ok",):
            conn.open_channels.discard(channel)
        return self._record(label or "%s %d %s %s" % (conn.name, channel, method, self._brief(args)), settle)

    def open_channel(self, conn, channel=1):
        return self.call(conn, channel, "channel.open")

    def publish(self, conn, channel, exchange="", routing_key="", body=b"m", props=None, mandatory=False,
                immediate=False, label=None, settle=None, frames=None):
        """basic.publish + header + body (split into frames of `frames` bytes if given)."""
        method = spec.encode_method("basic.publish", exchange=exchange, routing_key=routing_key,
                                    mandatory=mandatory, immediate=immediate)
        data = frame(FRAME_METHOD, channel, method)
        data += frame(FRAME_HEADER, channel, struct.pack(">HHQ", 60, 0, len(body)) + spec.encode_properties(props))
        step = frames or max(1, conn.frame_max - 8)
        for i in range(0, len(body), step):
            data += frame(FRAME_BODY, channel, body[i:i + step])
        conn.send_raw(data)
        label = label or "%s %d basic.publish %s/%s" % (conn.name, channel, exchange, routing_key)
        return self._record(label.replace(self.prefix, "<P>"), settle)

    def raw(self, conn, data, label, settle=None):
        conn.send_raw(data)
        return self._record(label, settle)

    def wait(self, label="wait", seconds=0.2):
        """Records whatever arrives unprompted (e.g. after a TTL) within `seconds`."""
        return self._record(label, seconds)

    # --- collection ---
    def _brief(self, args):
        keep = {k: v for k, v in args.items() if v not in (None, "", {}, False, 0)}
        return ",".join("%s=%s" % (k, v) for k, v in keep.items()).replace(self.prefix, "<P>")

    def _record(self, label, settle):
        entries = []
        time.sleep(self.settle if settle is None else settle)
        deadline = time.monotonic() + self.step_timeout
        for c in list(self.conns.values()):
            if c.eof or c.closing:
                continue
            for ch in sorted(c.open_channels):
                c.send_method(ch, "queue.declare", queue=BARRIER_QUEUE, passive=True)
                c.barriers.add(ch)
        for c in list(self.conns.values()):
            self._drain(c, entries, deadline)
        # Group per (connection, channel), keeping each group's order: RabbitMQ orders only within a channel.
        order = []
        for e in entries:
            key = self._group(e)
            if key not in order:
                order.append(key)
        grouped = []
        for key in sorted(order, key=lambda k: (k[0], k[1])):
            grouped += [e for e in entries if self._group(e) == key]
        grouped = self._confirm_runs(grouped)
        self.transcript.append((label, grouped))
        return grouped

    def _confirm_runs(self, entries):
        """Replaces each run of publisher confirms on a channel by the sequence numbers it settles.

        RabbitMQ groups confirms (multiple=true) as its timing allows, so two correct servers send
        different ack frames for the same publishes; what a client can rely on is which sequence
        numbers were acked or nacked. Documented in docs/amqp.md (Differential allow-list).
        """
        out = []
        for e in entries:
            if not (isinstance(e, tuple) and e[2] in ("basic.ack", "basic.nack")):
                out.append(e)
                continue
            settled = self.confirmed.setdefault((e[0], e[1]), set())
            tag = e[3]["delivery-tag"]
            tags = [t for t in range(1, tag + 1) if t not in settled] if e[3]["multiple"] else [tag]
            settled.update(tags)
            kind = "acked" if e[2] == "basic.ack" else "nacked"
            if out and isinstance(out[-1], tuple) and out[-1][:3] == (e[0], e[1], "confirms"):
                out[-1][3].setdefault(kind, []).extend(tags)
            else:
                out.append((e[0], e[1], "confirms", {kind: tags}))
        return out

    @staticmethod
    def _group(e):
        """(connection, channel) of an entry; EOF/timeout notes sort after their connection's frames."""
        return (e[0], e[1]) if isinstance(e, tuple) else (e.split()[0], 1 << 16)

    def _collect(self, entries, deadline, quiet_conn):
        """Reads the answer to connection.open: open-ok, or a close and what follows it."""
        c = quiet_conn
        while True:
            try:
                f = c.read_frame(deadline)
            except TimeoutError:
                entries.append("%s TIMEOUT waiting for open-ok" % c.name)
                return
            if f is None:
                entries.append("%s EOF" % c.name)
                return
            before = len(entries)
            self._frame(c, f, entries, deadline)
            if any(isinstance(e, tuple) and e[2] in ("connection.open-ok", "connection.close")
                   for e in entries[before:]):
                return

    def _drain(self, c, entries, deadline, quiet=None):
        """Reads c until its barriers are answered (or its channels closed, or EOF)."""
        if c.eof:
            return
        if quiet is None and not c.barriers:
            quiet = 0.15 if (c.closing or not c.open_channels) else 0.0
            if quiet == 0.0:
                return
        while True:
            if not c.barriers and quiet is None:
                return
            try:
                f = c.read_frame(min(deadline, time.monotonic() + quiet) if quiet else deadline)
            except TimeoutError:
                if quiet:
                    return
                entries.append("%s TIMEOUT waiting for channels %s" % (c.name, sorted(c.barriers)))
                c.barriers.clear()
                return
            if f is None:
                entries.append("%s EOF" % c.name)
                c.barriers.clear()
                c.open_channels.clear()
                return
            self._frame(c, f, entries, deadline)
            if c.eof:
                return

    def _frame(self, c, f, entries, deadline):
        ftype, ch, payload = f
        if ftype == FRAME_HEARTBEAT:
            return
        if ftype == FRAME_HEADER:
            pend = c.pending_content.get(ch)
            _, size, props = spec.decode_header(payload)
            if pend is None:
                entries.append((c.name, ch, "unexpected header", {"properties": props}))
                return
            pend[1], pend[2] = size, props
            if size == 0:
                self._content_done(c, ch, entries)
            return
        if ftype == FRAME_BODY:
            pend = c.pending_content.get(ch)
            if pend is None:
                entries.append((c.name, ch, "unexpected body", {"size": len(payload)}))
                return
            pend[3] += payload
            if len(pend[3]) >= pend[1]:
                self._content_done(c, ch, entries)
            return
        if ftype != FRAME_METHOD:
            entries.append((c.name, ch, "frame type %d" % ftype, {}))
            return
        name, fields = spec.decode_method(payload)
        if name == "queue.declare-ok" and fields.get("queue") == BARRIER_QUEUE and ch in c.barriers:
            c.barriers.discard(ch)
            return
        if name in ("basic.deliver", "basic.get-ok", "basic.return"):
            c.pending_content[ch] = [(c.name, ch, name, fields), None, None, b""]
            return
        entries.append(self._normalise((c.name, ch, name, fields)))
        self._after_close_frame(c, ch, name, entries, deadline)

    def _content_done(self, c, ch, entries):
        entry, _, props, body = c.pending_content.pop(ch)
        fields = dict(entry[3])
        fields["properties"] = props
        fields["body"] = body
        entries.append(self._normalise((entry[0], entry[1], entry[2], fields)))

    def _after_close_frame(self, c, ch, name, entries, deadline):
        if name == "channel.close":
            c.barriers.discard(ch)
            c.open_channels.discard(ch)
            if self.auto_close_ok:
                c.send_method(ch, "channel.close-ok")
        elif name == "connection.close":
            c.barriers.clear()
            c.open_channels.clear()
            if self.auto_close_ok:
                c.send_method(0, "connection.close-ok")
                c.closing = True
                t0 = time.monotonic()
                try:
                    while c.read_frame(min(deadline, t0 + 1.0)) is not None:
                        pass
                    entries.append("%s EOF" % c.name)
                except TimeoutError:
                    entries.append("%s no EOF within 1s of close-ok" % c.name)
        elif name == "connection.close-ok":
            c.open_channels.clear()
            c.barriers.clear()

    def _normalise(self, entry):
        return (entry[0], entry[1], entry[2], self._norm(entry[3]))

    def _norm(self, v):
        if isinstance(v, dict):
            return {k: self._norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self._norm(x) for x in v]
        if isinstance(v, bytes):
            try:
                v = v.decode()
            except UnicodeDecodeError:
                return v
        if isinstance(v, str):
            return GENERATED.sub(lambda m: "amq.%s-*" % m.group(1), v.replace(self.prefix, "<P>"))
        return v

    def close(self):
        for c in self.conns.values():
            try:
                c.sock.close()
            except OSError:
                pass
