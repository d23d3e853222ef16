"""Runaway scripts against the built latchkey binary, byte for byte as redis-server 7.0 answers.

Past busy-reply-threshold (100 ms here) a script keeps running while other clients are served
from inside it: they get -BUSY (new connections too), SCRIPT KILL stops a script that has not
written (its caller gets the "Script killed by user" error), a script that wrote is UNKILLABLE,
and SHUTDOWN NOSAVE stops the server (the script's caller sees the connection close, no reply).
Raw sockets, so the exact reply bytes are checked. Bounded waits only.
"""
import os
import socket
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from latchkey_server import LatchkeyServer  # noqa: E402

BUSY = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
NOTBUSY = b"-NOTBUSY No scripts in execution right now.\r\n"
UNKILLABLE = (
    b"-UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
    b"either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n"
)
LOOP = "while true do end"
LOOP_SHA = "694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7"
WRITING_LOOP = "redis.call('set','k','v') while true do end"
KILLED = (
    b"-ERR Script killed by user with SCRIPT KILL... script: " + LOOP_SHA.encode() + b", on @user_script:1.\r\n"
)


def encode(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def reply(self):
        """One simple reply line (+, -, :) or a whole bulk; b"" if the server closed."""
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                rest, self.buf = self.buf, b""
                return rest
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\r\n")
        line += b"\r\n"
        if line[:1] == b"$" and int(line[1:-2]) >= 0:
            n = int(line[1:-2]) + 2
            while len(self.buf) < n:
                self.buf += self.sock.recv(65536)
            line += self.buf[:n]
            self.buf = self.buf[n:]
        return line

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return self.reply()

    def close(self):
        self.sock.close()


class Eval(threading.Thread):
    """Client A: sends one EVAL and waits (up to 30 s) for its reply."""

    def __init__(self, port, script):
        super().__init__(daemon=True)
        self.client = Client(port)
        self.client.sock.settimeout(30)
        self.script = script
        self.result = None

    def run(self):
        try:
            self.result = self.client.call("EVAL", self.script, 0)
        except OSError as e:
            self.result = e


def wait_busy(port, timeout=10.0):
    """A client that got -BUSY (the script passed the threshold). Each try is a new connection:
    a GET answered in the loop turn the EVAL started in may wait for the script's end (when the
    log holds records it could depend on), so a client that sees no reply at once is dropped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client = Client(port)
        client.sock.settimeout(1)
        try:
            got = client.call("GET", "x")
        except socket.timeout:
            client.close()
            continue
        if got == BUSY:
            client.sock.settimeout(10)
            return client
        assert got == b"$-1\r\n", got
        client.close()
        time.sleep(0.02)
    pytest.fail("never got -BUSY")


@pytest.fixture(params=["no-log", "appendfsync-always"])
def server(request):
    log = ("--appendonly", "yes", "--appendfsync", "always") if request.param != "no-log" else ()
    s = LatchkeyServer("--busy-reply-threshold", "100", *log, amqp=False).start()
    yield s
    s.stop()


def test_busy_clients_then_script_kill(server):
    a = Eval(server.port, LOOP)
    a.start()
    b = wait_busy(server.port)
    # Everything but the allow_busy commands is refused, on old and new connections alike.
    assert b.call("PING") == BUSY
    assert b.call("SET", "x", "1") == BUSY
    assert b.call("SHUTDOWN") == BUSY  # only SHUTDOWN NOSAVE may stop a busy server
    assert b.call("FOO") == b"-ERR unknown command 'FOO', with args beginning with: \r\n"
    c = Client(server.port)
    assert c.call("GET", "x") == BUSY
    # Pipelined requests each get their answer.
    c.sock.sendall(encode("GET", "x") + encode("PING"))
    assert c.reply() == BUSY and c.reply() == BUSY
    assert a.is_alive()

    assert b.call("SCRIPT", "KILL") == b"+OK\r\n"
    a.join(10)
    assert a.result == KILLED
    assert b.call("SCRIPT", "KILL") == NOTBUSY
    # The server is back to normal, for everyone.
    assert c.call("SET", "x", "1") == b"+OK\r\n"
    assert a.client.call("GET", "x") == b"$1\r\n1\r\n"
    assert server.proc.poll() is None
    assert "Slow script detected: still in execution after" in server.log_text()


def test_writing_script_is_unkillable_then_shutdown_nosave(server):
    a = Eval(server.port, WRITING_LOOP)
    a.start()
    b = wait_busy(server.port)
    assert b.call("SCRIPT", "KILL") == UNKILLABLE
    assert b.call("SHUTDOWN", "SAVE") == BUSY
    assert a.is_alive()
    # SHUTDOWN NOSAVE: no reply, the server exits; the script's caller just sees the close.
    assert b.call("SHUTDOWN", "NOSAVE") == b""
    assert server.proc.wait(10) == 0
    a.join(10)
    assert a.result == b"" or isinstance(a.result, ConnectionResetError)


def test_quick_scripts_are_never_busy(server):
    b = Client(server.port)
    assert b.call("EVAL", "return 1", 0) == b":1\r\n"
    assert b.call("SCRIPT", "KILL") == NOTBUSY
