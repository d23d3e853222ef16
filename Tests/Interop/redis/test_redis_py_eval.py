"""Scripting through redis-py 8: `Lock` release/extend/reacquire go through EVALSHA, and after
SCRIPT FLUSH (or a restart) the server answers NOSCRIPT, which redis-py's `Script` handles by
SCRIPT LOAD + EVALSHA again. Plus the Lua behaviours lock scripts lean on, in both protocols.
"""
import hashlib

import pytest
from redis.exceptions import NoScriptError, ResponseError


def test_register_script_noscript_fallback(client):
    body = "return {KEYS[1], ARGV[1], 7}"
    sha = hashlib.sha1(body.encode()).hexdigest()
    client.script_flush()
    assert client.script_exists(sha) == [False]
    with pytest.raises(NoScriptError) as e:
        client.evalsha(sha, 0)
    assert str(e.value) == "No matching script. Please use EVAL."
    script = client.register_script(body)
    assert script(keys=["k"], args=["a"]) == [b"k", b"a", 7]  # NOSCRIPT -> SCRIPT LOAD -> EVALSHA
    assert client.script_exists(sha) == [True]
    assert client.evalsha(sha.upper(), 1, "x", "y") == [b"x", b"y", 7]
    client.script_flush()
    assert script(keys=["k2"], args=["b"]) == [b"k2", b"b", 7]


def test_script_load_returns_sha(client):
    body = "return redis.call('get', KEYS[1])"
    assert client.script_load(body) == hashlib.sha1(body.encode()).hexdigest()
    client.set("k", "v")
    assert client.evalsha(hashlib.sha1(body.encode()).hexdigest(), 1, "k") == b"v"


def test_eval_caches_script(client):
    client.script_flush()
    body = "return 'cached'"
    assert client.eval(body, 0) == b"cached"
    assert client.evalsha(hashlib.sha1(body.encode()).hexdigest(), 0) == b"cached"


def test_lock_release_after_script_flush(client):
    lock = client.lock("lock:f", timeout=10)
    assert lock.acquire(blocking=False)
    client.script_flush()  # release goes EVALSHA -> NOSCRIPT -> SCRIPT LOAD -> EVALSHA
    lock.release()
    assert client.exists("lock:f") == 0


def test_lock_extend_and_reacquire_after_script_flush(client):
    lock = client.lock("lock:g", timeout=5)
    assert lock.acquire(blocking=False)
    client.script_flush()
    assert lock.extend(5)
    assert 9000 < client.pttl("lock:g") <= 10000
    client.script_flush()
    assert lock.reacquire()
    assert 4000 < client.pttl("lock:g") <= 5000
    lock.release()


def test_lock_release_by_non_owner_does_not_delete(client):
    client.set("lock:h", "someone-else", px=10000)
    lock = client.lock("lock:h", timeout=10)
    lock.local.token = b"mine"
    from redis.exceptions import LockNotOwnedError
    with pytest.raises(LockNotOwnedError):
        lock.release()
    assert client.get("lock:h") == b"someone-else"


@pytest.mark.parametrize("body,expected", [
    ("return 3.99", 3),
    ("return -3.99", -3),
    ("return {1, 2, nil, 4}", [1, 2]),
    ("return redis.call('get', 'missing') == false", 1),
    ("return tostring(ARGV[1] + 10)", b"15"),
    ("return {ok='fine'}", b"fine"),
    ("return redis.status_reply('GOOD')", b"GOOD"),
    ("return false", None),
    ("return true", 1),
    ("return {1.5, 'x', {2}}", [1, b"x", [2]]),
])
def test_lua_conversions(client, body, expected):
    got = client.eval(body, 0, "5")
    if isinstance(expected, bytes) and body.startswith("return {ok") or "status_reply" in body:
        assert got in (expected, expected.decode(), True)
    else:
        assert got == expected


def test_lua_errors(client):
    client.set("s", "abc")
    with pytest.raises(ResponseError) as e:
        client.eval("return redis.call('incr', KEYS[1])", 1, "s")
    assert str(e.value).startswith("value is not an integer or out of range script: ")
    assert client.eval("local r = redis.pcall('incr', KEYS[1]); return r['err']", 1, "s") == (
        b"ERR value is not an integer or out of range")
    with pytest.raises(ResponseError) as e:
        client.eval("return redis.error_reply('MYCODE custom text')", 0)
    assert str(e.value) == "MYCODE custom text"
    with pytest.raises(ResponseError) as e:
        client.eval("x = 1", 0)
    assert "Attempt to modify a readonly table" in str(e.value)
    with pytest.raises(ResponseError) as e:
        client.eval("return redis.call('nosuchcommand')", 0)
    assert str(e.value).startswith("Unknown Redis command called from script script: ")
    with pytest.raises(ResponseError) as e:
        client.eval("return 1", -1)
    assert str(e.value) == "Number of keys can't be negative"
    with pytest.raises(ResponseError) as e:
        client.eval("return 1", 3, "a")
    assert str(e.value) == "Number of keys can't be greater than number of args"


def test_script_atomic_counter(client):
    body = "local v = redis.call('incr', KEYS[1]); redis.call('pexpire', KEYS[1], ARGV[1]); return v"
    script = client.register_script(body)
    for i in range(1, 51):
        assert script(keys=["sem"], args=[60000]) == i
    assert 59000 < client.pttl("sem") <= 60000
