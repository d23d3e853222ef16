"""The live page in a real headless browser (Debian's chromium, Latchkey only): a lock taken with
redis-py and a message published with pika appear on the page, which loads nothing from outside
Latchkey. LATCHKEY_SCREENSHOT=path also saves a PNG of the page (docs/management-live-page.png
is made that way)."""
import os
import re
import shutil
import subprocess
import time
import urllib.request

import pytest

pytestmark = pytest.mark.latchkey_only
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(*args):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--virtual-time-budget=5000"] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


def test_a_lock_and_a_publish_appear_on_the_page(target, uniq, pika_conn, tmp_path):
    import redis
    lock, queue = "lock:" + uniq("job"), uniq("jobs")
    r = redis.Redis(host=target.host, port=target.resp_port)
    assert r.set(lock, "worker-7:pid-4242", nx=True, px=120000)
    ch = pika_conn.channel()
    ch.queue_declare(queue, durable=True)
    for i in range(3):
        ch.basic_publish("", queue, b"task %d" % i)
    ch.basic_consume(queue, lambda c, m, p, b: None, consumer_tag="worker-7")
    pika_conn.process_data_events(0.2)
    url = "http://guest:guest@%s:%d/" % (target.host, target.http_port)
    dom = chromium("--dump-dom", url).stdout
    assert 'class="pill ok">live<' in dom, dom[-2000:]
    assert lock in dom and "worker-7:pid-4242" in dom
    assert queue in dom
    assert "mgmt-test" in dom  # the pika connection's connection_name
    # Every asset is Latchkey's own: no scheme-qualified URL in the page.
    page = urllib.request.urlopen(urllib.request.Request(
        "http://%s:%d/" % (target.host, target.http_port),
        headers={"Authorization": "Basic Z3Vlc3Q6Z3Vlc3Q="})).read().decode()
    assert not re.search(r'(src|href)="(https?:)?//', page)
    shot = os.environ.get("LATCHKEY_SCREENSHOT") or str(tmp_path / "page.png")
    chromium("--window-size=1280,1100", "--screenshot=" + shot, url)
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    r.delete(lock)
    ch.queue_delete(queue)


def test_the_page_needs_credentials(target):
    status, headers, _ = target.request("GET", "/", auth=None)
    assert status == 401 and "www-authenticate" in headers
    status, headers, body = target.request("GET", "/static/latchkey.js", auth=None)
    assert status == 200 and headers["content-type"].startswith("text/javascript")


def test_locks_endpoint_pages_through_100k_keys(target):
    """100,000 keys, 1,000 of them locks: every page answers from a bounded slice, and walking
    the cursor finds every lock."""
    import redis
    r = redis.Redis(host=target.host, port=target.resp_port)
    p = r.pipeline(transaction=False)
    for i in range(100_000):
        if i % 100 == 0:
            p.set("bulk:lock:%d" % i, "h%d" % i, px=600000)
        else:
            p.set("bulk:key:%d" % i, "v")
        if i % 5000 == 4999:
            p.execute()
    p.execute()
    seen, cursor, pages, slowest = set(), 0, 0, 0.0
    while True:
        t0 = time.monotonic()
        status, page = target.api("GET", "/latchkey/locks?count=50&match=bulk:lock:*&cursor=%d" % cursor)
        slowest = max(slowest, time.monotonic() - t0)
        assert status == 200
        seen.update(l["key"] for l in page["locks"])
        pages += 1
        cursor = page["cursor"]
        if cursor == 0:
            break
        assert pages < 1000
    assert len(seen) == 1000
    assert all(k.startswith("bulk:lock:") for k in seen)
    assert slowest < 1.0
    r.flushall()
