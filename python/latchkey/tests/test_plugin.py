"""The latchkey pytest plugin, tested with pytest's own pytester: the fixtures a test author
sees, per-test isolation, the clock, and the real-backend switch (against a real redis-server
when one is installed)."""
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def installed_as_entry_point():
    from importlib.metadata import entry_points
    eps = entry_points()
    group = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
    return any(ep.name == "latchkey" for ep in group)


def run(pytester, *args):
    """Runs pytest in-process (fast) on the files the test made, with the plugin loaded once:
    through its entry point when the wheel is installed, else from the source tree."""
    if installed_as_entry_point():
        return pytester.runpytest("-p", "no:cacheprovider", *args)
    if SRC not in sys.path:
        sys.path.insert(0, SRC)
    return pytester.runpytest("-p", "latchkey.pytest_plugin", "-p", "no:cacheprovider", *args)


def test_fixtures_give_urls_clock_and_isolation(pytester):
    pytester.makepyfile("""
        import redis

        def test_first(latchkey):
            r = redis.Redis.from_url(latchkey.redis_url)
            r.set("lock", "me", ex=30)
            latchkey.advance(29)
            assert r.get("lock") == b"me"
            latchkey.advance(1)
            assert r.get("lock") is None
            r.set("left-behind", "1")

        def test_second_sees_a_fresh_server(latchkey):
            r = redis.Redis.from_url(latchkey.redis_url)
            assert r.dbsize() == 0
            assert abs(latchkey.now_ms() / 1000 - __import__("time").time()) < 5  # clock reset too

        def test_session_server_is_shared(latchkey_server, latchkey):
            assert latchkey is latchkey_server
            assert latchkey.amqp_url.startswith("amqp://guest:guest@127.0.0.1:")
            assert latchkey.redis_url.startswith("redis://127.0.0.1:")
    """)
    result = run(pytester)
    result.assert_outcomes(passed=3)


def test_amqp_side_with_pika(pytester):
    pytester.makepyfile("""
        import pika

        def test_declare(latchkey):
            conn = pika.BlockingConnection(pika.URLParameters(latchkey.amqp_url))
            conn.channel().queue_declare("jobs")
            conn.close()

        def test_reset_deleted_it(latchkey):
            conn = pika.BlockingConnection(pika.URLParameters(latchkey.amqp_url))
            ch = conn.channel()
            try:
                ch.queue_declare("jobs", passive=True)
                raise AssertionError("queue survived the reset")
            except pika.exceptions.ChannelClosedByBroker as e:
                assert e.reply_code == 404
            conn.close()
    """)
    run(pytester).assert_outcomes(passed=2)


def test_missing_binary_is_a_clear_error(pytester):
    pytester.makepyfile("""
        def test_needs_server(latchkey):
            pass
    """)
    result = run(pytester, "--latchkey-bin", "/nonexistent/latchkey")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*No such file or directory*"])


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_real_backend_runs_the_same_tests_against_redis(pytester):
    import socket
    d = tempfile.mkdtemp(prefix="latchkey-plugin-redis-")
    # redis-server cannot pick a free TCP port itself (its port 0 means "no TCP"): reserve one.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--dir", d], stdout=subprocess.PIPE)
    try:
        for line in proc.stdout:
            if b"Ready to accept connections" in line:
                break
        pytester.makepyfile("""
            import redis

            def test_isolated_a(latchkey):
                r = redis.Redis.from_url(latchkey.redis_url)
                assert r.dbsize() == 0
                r.set("k", "v", px=50)
                latchkey.advance(0.06)  # really sleeps on a real server
                assert r.get("k") is None
                r.set("left", "1")

            def test_isolated_b(latchkey):
                assert redis.Redis.from_url(latchkey.redis_url).dbsize() == 0

            def test_long_advance_is_skipped(latchkey):
                latchkey.advance(3600)
        """)
        result = run(pytester, "--latchkey-backend", "real", "--latchkey-redis-url", "redis://127.0.0.1:%d/0" % port)
        result.assert_outcomes(passed=2, skipped=1)
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(d, ignore_errors=True)
