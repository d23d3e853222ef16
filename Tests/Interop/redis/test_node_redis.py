"""A non-Python RESP client: Debian's node-redis 4 (apt `node-redis`, run by `node`) runs
node/roundtrip.js — connect, SET NX PX lock with a Lua compare-and-delete release, pub/sub round
trip (channel, pattern, expiry notification), error paths — against the target server, and the
same script against a real redis-server; the JSON lines must be identical.
"""
import json
import os
import shutil
import subprocess

import pytest

import real_redis

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "node", "roundtrip.js")
NODE_PATH = "/usr/share/nodejs"


def run_script(port):
    env = dict(os.environ, NODE_PATH=NODE_PATH)
    p = subprocess.run(["node", SCRIPT, str(port)], capture_output=True, text=True, timeout=60, env=env)
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    assert p.returncode == 0, (p.stdout, p.stderr)
    return lines


@pytest.fixture(scope="module")
def node_redis():
    if shutil.which("node") is None or not os.path.isdir(os.path.join(NODE_PATH, "redis")):
        pytest.skip("node and Debian's node-redis are needed (apt-get install nodejs node-redis)")


def test_node_redis_roundtrip(node_redis, server):
    got = run_script(server.port)
    steps = {l["step"]: l["value"] for l in got}
    assert "fatal" not in steps and "client-error" not in steps
    assert steps["acquire"] == "OK" and steps["contend"] is None
    assert steps["release-wrong"] == 0 and steps["release-right"] == 1
    assert steps["received"] == [["message", "jobs", "done:1"], ["pmessage", "jobs.high", "done:2"]]
    assert steps["expired"] == ["lock:short"]
    assert steps["unknown-command"].startswith("ErrorReply: ERR unknown command 'NOSUCHCMD'")
    if real_redis.available():
        reference = real_redis.RedisServer().start()
        try:
            assert got == run_script(reference.port)
        finally:
            reference.stop()
