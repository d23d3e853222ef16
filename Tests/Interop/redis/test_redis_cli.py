"""redis-cli against the server: one-shot commands, piped sessions (stdin not a tty), a real
interactive session on a pseudo-terminal, `--no-raw` formatting and `-3` (RESP3).

redis-cli's start-up probes (COMMAND DOCS for hints, INFO on fallback, HELLO 3 with -3) must not
produce warnings or errors; its output formatting depends on exact reply types.
"""
import os
import pty
import select
import subprocess
import time

import pytest

BAD_WORDS = (b"Warning", b"WARNING", b"Error", b"ERR", b"Could not", b"unknown")


def cli(server, *args, stdin=None, timeout=10):
    p = subprocess.run(["redis-cli", "-h", server.host, "-p", str(server.port)] + list(args),
                       input=stdin, capture_output=True, timeout=timeout)
    return p


def out(server, *args, **kw):
    p = cli(server, *args, **kw)
    assert p.returncode == 0, p
    assert p.stderr == b"", p.stderr
    return p.stdout


def test_one_shot_commands(server):
    assert out(server, "set", "k", "v") == b"OK\n"
    assert out(server, "get", "k") == b"v\n"
    assert out(server, "get", "missing") == b"\n"
    assert out(server, "incr", "c") == b"1\n"
    assert out(server, "set", "lock:x", "tok", "nx", "px", "30000") == b"OK\n"
    assert out(server, "set", "lock:x", "tok", "nx", "px", "30000") == b"\n"
    ttl = int(out(server, "pttl", "lock:x"))
    assert 29000 < ttl <= 30000
    assert out(server, "ping") == b"PONG\n"
    assert out(server, "-n", "15", "set", "in15", "1") == b"OK\n"
    assert out(server, "-n", "15", "dbsize") == b"1\n"
    assert out(server, "dbsize") == b"3\n"


def test_one_shot_errors(server):
    # In raw (non-tty) mode redis-cli prints the error line followed by an empty line.
    assert out(server, "foo", "bar") == b"ERR unknown command 'foo', with args beginning with: 'bar' \n\n"
    assert out(server, "set", "k") == b"ERR wrong number of arguments for 'set' command\n\n"
    assert out(server, "--no-raw", "set", "k", "v", "ex", "0") == (
        b"(error) ERR invalid expire time in 'set' command\n")


def test_no_raw_formatting(server):
    out(server, "set", "k", "v")
    assert out(server, "--no-raw", "get", "missing") == b"(nil)\n"
    assert out(server, "--no-raw", "get", "k") == b'"v"\n'
    assert out(server, "--no-raw", "incr", "c") == b"(integer) 1\n"
    assert out(server, "--no-raw", "set", "k", "v", "nx") == b"(nil)\n"
    assert out(server, "--no-raw", "keys", "k") == b'1) "k"\n'
    assert out(server, "--no-raw", "keys", "nomatch") == b"(empty array)\n"
    assert out(server, "--no-raw", "config", "get", "appendonly") == b'1) "appendonly"\n2) "no"\n'
    assert out(server, "--no-raw", "ping") == b"PONG\n"


def test_resp3_flag(server):
    assert out(server, "-3", "--no-raw", "get", "missing") == b"(nil)\n"
    assert out(server, "-3", "get", "missing") == b"\n"
    assert out(server, "-3", "--no-raw", "config", "get", "appendonly") == b'1# "appendonly" => "no"\n'
    assert out(server, "-3", "set", "k", "v") == b"OK\n"
    assert out(server, "-3", "--no-raw", "get", "k") == b'"v"\n'


def test_piped_session_is_quiet(server):
    session = b"SET a 1\nINCR a\nGET a\nGET nokey\nSET lock:p tok NX PX 30000\nEXISTS lock:p\n"
    assert out(server, stdin=session) == b"OK\n2\n2\n\nOK\n1\n"
    assert out(server, "--no-raw", stdin=session) == (
        b'OK\n(integer) 2\n"2"\n(nil)\n(nil)\n(integer) 1\n')
    assert out(server, "-3", "--no-raw", stdin=b"GET nokey\nHELLO 3\n").startswith(b"(nil)\n1# \"server\" => ")


def test_piped_session_with_auth(server_factory):
    s = server_factory("--requirepass", "secret")
    p = cli(s, "--no-auth-warning", "-a", "secret", stdin=b"SET a 1\nGET a\n")
    assert (p.returncode, p.stdout, p.stderr) == (0, b"OK\n1\n", b"")
    p = cli(s, stdin=b"GET a\n")
    assert p.stdout == b"NOAUTH Authentication required.\n\n"


def _pty_session(server, lines, extra=()):
    """Run redis-cli on a pseudo-terminal (so it starts in interactive mode, fetching command
    docs for hints) and type `lines`; return everything it printed."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvp("redis-cli", ["redis-cli", "-h", server.host, "-p", str(server.port)] + list(extra))
    output = b""
    queries = [0]

    def read_for(seconds, until=None, start=0):
        nonlocal output
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                for _ in range(chunk.count(b"\x1b[6n")):
                    # linenoise measures the width: cursor position, then again after moving
                    # 999 columns right. Answer as a 120-column terminal.
                    queries[0] += 1
                    os.write(fd, b"\x1b[1;1R" if queries[0] % 2 else b"\x1b[1;120R")
                output += chunk
                if until and until in output[start:]:
                    return

    try:
        read_for(2, until=b"> ")
        for line, expect in lines:
            os.write(fd, line + b"\r")
            mark = len(output)
            read_for(3, until=expect, start=mark)
            # Wait for the next prompt: typing earlier would garble linenoise's cursor query.
            read_for(3, until=b"> ", start=output.find(expect, mark) + 1)
        os.write(fd, b"quit\r")
        read_for(2)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    return output


@pytest.mark.parametrize("extra", [(), ("-3",)], ids=["resp2", "resp3"])
def test_interactive_tty_session_starts_quietly(server, extra):
    text = _pty_session(server, [(b"set k v", b"OK"), (b"get k", b'"v"'), (b"incr n", b"(integer) 1")],
                        extra)
    assert b"OK" in text and b'"v"' in text and b"(integer) 1" in text, text
    for word in BAD_WORDS:
        assert word not in text, (word, text)
    # Hints (from COMMAND DOCS, or redis-cli's built-in table when that fails) while typing SET.
    assert b"key value" in text, text


def test_pipe_mode_mass_insert(server):
    """`redis-cli --pipe` (mass insertion): raw protocol on stdin; it appends an ECHO with a
    random marker to know when every reply has arrived."""
    from resp_wire import encode
    data = b"".join(encode("SET", "mass:%d" % i, "v%d" % i) for i in range(1000))
    p = cli(server, "--pipe", stdin=data)
    assert p.returncode == 0, p
    assert b"errors: 0, replies: 1000" in p.stdout, p.stdout
    assert out(server, "dbsize") == b"1000\n"
    assert out(server, "get", "mass:999") == b"v999\n"


def test_scan_mode(server):
    for i in range(50):
        out(server, "set", "scan:%d" % i, "1")
    out(server, "set", "other", "1")
    listed = out(server, "--scan", "--pattern", "scan:*").split()
    assert sorted(listed) == sorted(b"scan:%d" % i for i in range(50))


def test_value_from_stdin_and_repeat(server):
    assert out(server, "-x", "set", "blob", stdin=b"line1\nline2\n") == b"OK\n"
    assert out(server, "--no-raw", "get", "blob") == b'"line1\\nline2\\n"\n'
    assert out(server, "-r", "3", "incr", "rep") == b"1\n2\n3\n"


def test_eval_flag(server, tmp_path):
    script = tmp_path / "release.lua"
    script.write_text("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
                      "else return 0 end")
    out(server, "set", "lock:e", "tok")
    assert out(server, "--eval", str(script), "lock:e", ",", "nope") == b"0\n"
    assert out(server, "--eval", str(script), "lock:e", ",", "tok") == b"1\n"
    assert out(server, "exists", "lock:e") == b"0\n"
