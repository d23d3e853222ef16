"""The latchkey executable itself: command line, configuration errors, ready line, signals.

Uses plain sockets and PING only, so it holds whichever RESP front end is wired in.
"""
import os
import signal
import socket
import subprocess
import tempfile

from latchkey_server import LatchkeyServer, binary_path, REPO


def run(*args):
    return subprocess.run([binary_path(), *args], capture_output=True, timeout=10)


def ping(port, host="127.0.0.1"):
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        return s.recv(100)


def test_version_and_help():
    v = run("--version")
    assert v.returncode == 0
    assert v.stdout.startswith(b"Latchkey server v=0.1.0 ")
    h = run("--help")
    assert h.returncode == 0
    assert b"Usage: latchkey" in h.stdout


def test_bad_directive_names_file_and_line():
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write("port 0\n# comment\nfrobnicate yes\n")
    try:
        r = run(f.name)
        assert r.returncode == 1
        assert b"*** FATAL CONFIG FILE ERROR" in r.stderr
        assert f"{f.name}, at line 3".encode() in r.stderr
        assert b"Bad directive or wrong number of arguments" in r.stderr
    finally:
        os.unlink(f.name)


def test_bad_option_value_fails():
    r = run("--port", "seventy")
    assert r.returncode == 1
    assert b"--port" in r.stderr


def test_ready_line_and_ping_with_default_conf():
    conf = os.path.join(REPO, "conf", "latchkey.conf")
    with LatchkeyServer(amqp=False, config_file=conf) as server:
        assert ping(server.port) == b"+PONG\r\n"
        ready = [l for l in server.output if b"Ready to accept connections:" in l]
        assert len(ready) == 1


def test_sigterm_and_sigint_exit_zero():
    for sig in (signal.SIGTERM, signal.SIGINT):
        server = LatchkeyServer(amqp=False).start()
        assert ping(server.port) == b"+PONG\r\n"
        assert server.stop(sig) == 0
