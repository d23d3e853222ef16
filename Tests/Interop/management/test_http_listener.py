"""The management listener as an HTTP/1.1 server (Latchkey only): keep-alive and pipelining on
one socket, the size limits answered before the rest is read (400, 413, 414, 431), Basic auth
with the AMQP users and the loopback-only rule for guest."""
import base64
import socket
import subprocess

import pytest

from latchkey_server import LatchkeyServer

pytestmark = pytest.mark.latchkey_only
AUTH = "Authorization: Basic " + base64.b64encode(b"guest:guest").decode() + "\r\n"


def raw(target, data, read_until_close=True):
    s = socket.create_connection((target.host, target.http_port), timeout=10)
    s.sendall(data)
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
        if not read_until_close:
            break
    s.close()
    return out


def test_keep_alive_and_pipelining_on_one_socket(target):
    req = ("GET /api/whoami HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n").encode()
    last = ("GET /api/whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + AUTH + "\r\n").encode()
    out = raw(target, req + req + last)
    assert out.count(b"HTTP/1.1 200 OK") == 3
    assert out.count(b'{"name":"guest","tags":["administrator"]}') == 3
    assert out.count(b"connection: close") == 1


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n", b"431"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(101)) + b"\r\n", b"431"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n", b"400"),
    (b"GET / HTTP/1.1\r\n\r\n", b"400"),
    (b"POST /api/definitions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", b"501"),
])
def test_bad_requests_get_their_status_and_a_close(target, request_bytes, status):
    out = raw(target, request_bytes)
    assert out.startswith(b"HTTP/1.1 " + status), out[:80]
    assert b"connection: close" in out


def test_a_too_large_body_is_refused_before_it_is_sent(target):
    # Only the head is sent; the 413 arrives without the server waiting for 9 MB.
    head = ("POST /api/definitions HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: 9000000\r\n\r\n").encode()
    out = raw(target, head)
    assert out.startswith(b"HTTP/1.1 413")


def test_head_has_the_headers_of_get_without_the_body(target):
    out = raw(target, ("HEAD /api/whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + AUTH + "\r\n").encode())
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"content-length: 41" in head and body == b""


def non_loopback_address():
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    v4 = [a for a in out if "." in a and not a.startswith("127.")]
    return v4[0] if v4 else None


def test_guest_is_loopback_only_and_other_users_work_remotely():
    address = non_loopback_address()
    if address is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    with LatchkeyServer("--management-bind", "127.0.0.1 " + address,
                        "--amqp-user", "guest:guest admin:s3cret") as server:
        def get(host, user):
            s = socket.create_connection((host, server.management_port), timeout=10)
            cred = base64.b64encode(user.encode()).decode()
            s.sendall(("GET /api/whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic %s\r\n\r\n"
                       % cred).encode())
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out
                out += chunk
        remote_guest = get(address, "guest:guest")
        assert remote_guest.startswith(b"HTTP/1.1 401")
        assert b"User can only log in via localhost" in remote_guest
        assert b'www-authenticate: Basic realm="RabbitMQ Management"' in remote_guest
        assert get(address, "admin:s3cret").startswith(b"HTTP/1.1 200")
        assert get("127.0.0.1", "guest:guest").startswith(b"HTTP/1.1 200")


def test_management_port_off_turns_the_listener_off():
    with LatchkeyServer("--management-port", "off") as server:
        assert server.management_port is None
        assert "management=" not in server.log_text()


def test_cli_verbs_list_locks_and_queues(target, uniq):
    import redis
    from latchkey_server import binary_path
    lock, queue = "lock:" + uniq("cli"), uniq("cliq")
    redis.Redis(host=target.host, port=target.resp_port).set(lock, "holder-9", px=60000)
    target.api("PUT", "/queues/%2F/" + queue, {})
    run = lambda *a: subprocess.run([binary_path()] + list(a) + ["--port", str(target.http_port)],
                                    capture_output=True, text=True, timeout=30)
    out = run("locks", "--match", "lock:*")
    assert out.returncode == 0
    assert any(line.startswith(lock + "\t") and line.endswith("\tholder-9") for line in out.stdout.splitlines())
    out = run("queues")
    assert out.returncode == 0 and (queue + "\t0\t0\t0") in out.stdout.splitlines()
    bad = run("queues", "--password", "wrong")
    assert bad.returncode == 1 and "401 Unauthorized Login failed" in bad.stderr
    target.api("DELETE", "/queues/%2F/" + queue)


def test_api_declares_and_publishes_survive_a_restart(tmp_path):
    """What the API changes goes through the broker's journal like an AMQP client's change: a
    durable queue and a persistent message published over HTTP are there after SIGKILL."""
    import json
    import signal as sig

    def call(port, method, path, body=None):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        h = {"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode(), "Content-Type": "application/json"}
        c.request(method, "/api" + path, json.dumps(body) if body is not None else None, h)
        r = c.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)

    args = ("--appendonly", "yes", "--appendfsync", "always")
    with LatchkeyServer(*args, data_dir=str(tmp_path)) as s:
        assert call(s.management_port, "PUT", "/queues/%2F/kept", {"durable": True})[0] == 201
        assert call(s.management_port, "POST", "/exchanges/%2F/amq.default/publish",
                    {"properties": {"delivery_mode": 2}, "routing_key": "kept", "payload": "survives",
                     "payload_encoding": "string"})[1] == {"routed": True}
        s.stop(sig.SIGKILL)
    with LatchkeyServer(*args, data_dir=str(tmp_path)) as s:
        status, msgs = call(s.management_port, "POST", "/queues/%2F/kept/get",
                            {"count": 1, "ackmode": "ack_requeue_false", "encoding": "auto"})
        assert status == 200 and [m["payload"] for m in msgs] == ["survives"]
        assert msgs[0]["properties"] == {"delivery_mode": 2}
