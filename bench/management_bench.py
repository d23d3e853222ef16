"""Management-listener rows for docs/benchmarks.md (issue 12), for the lead to run on a quiet machine:

  1. GET /api/queues with 10,000 queues (median and max of 20 requests, answer size);
  2. one live-page refresh (the five requests the page sends each second) with 100,000 keys,
     10,000 of them with a TTL;
  3. --scrape-port P --seconds N: scrape /metrics and refresh the page once a second on an
     already running server's management port P (the issue's "page open and /metrics scraped
     every second" condition), while redis-benchmark or the AMQP load runs against that server.

Usage: .venv/bin/python bench/management_bench.py                      (rows 1 and 2)
       .venv/bin/python bench/management_bench.py --scrape-port 15672 --seconds 120
Environment: LATCHKEY_BIN (default .build/release/latchkey).
"""
import argparse
import base64
import http.client
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Interop"))
from latchkey_server import LatchkeyServer  # noqa: E402

AUTH = {"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()}
PAGE = ["/api/latchkey/state",
        "/api/queues?page=1&page_size=50&sort=messages_ready&sort_reverse=true"
        "&columns=vhost,name,messages_ready,messages_unacknowledged,consumers,message_stats",
        "/api/connections?page=1&page_size=50", "/api/channels?page=1&page_size=50",
        "/api/latchkey/locks?db=0&cursor=0&count=50&match=*"]


def timed(conn, path, method="GET", body=None):
    t0 = time.perf_counter()
    conn.request(method, path, body, AUTH)
    r = conn.getresponse()
    data = r.read()
    assert r.status in (200, 201, 204), (path, r.status, data[:200])
    return time.perf_counter() - t0, len(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scrape-port", type=int, default=0, help="management port of a running server to scrape")
    ap.add_argument("--seconds", type=float, default=60, help="how long to scrape")
    args = ap.parse_args()
    if args.scrape_port:
        scrape(args.scrape_port, args.seconds)
        return
    import redis
    with LatchkeyServer() as s:
        conn = http.client.HTTPConnection("127.0.0.1", s.management_port, timeout=60)
        for i in range(10_000):
            timed(conn, "/api/queues/%%2F/bench-q-%05d" % i, "PUT", "{}")
        times, size = [], 0
        for _ in range(20):
            t, size = timed(conn, "/api/queues")
            times.append(t)
        print("GET /api/queues, 10,000 queues: median %.1f ms, max %.1f ms, %d bytes"
              % (statistics.median(times) * 1e3, max(times) * 1e3, size))
        r = redis.Redis(port=s.port)
        p = r.pipeline(transaction=False)
        for i in range(100_000):
            if i % 10 == 0:
                p.set("lock:%d" % i, "holder-%d" % i, px=3_600_000)
            else:
                p.set("key:%d" % i, "v")
            if i % 5000 == 4999:
                p.execute()
        p.execute()
        refresh = []
        for _ in range(20):
            t0 = time.perf_counter()
            for path in PAGE:
                timed(conn, path)
            refresh.append(time.perf_counter() - t0)
        print("page refresh (5 requests), 100,000 keys / 10,000 locks / 10,000 queues: median %.1f ms, max %.1f ms"
              % (statistics.median(refresh) * 1e3, max(refresh) * 1e3))


def scrape(port, seconds):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    worst = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        timed(conn, "/metrics")
        for path in PAGE:
            timed(conn, path)
        worst = max(worst, time.monotonic() - t0)
        time.sleep(max(0, 1 - (time.monotonic() - t0)))
    print("scraped port %d for %.0f s; slowest scrape + refresh %.1f ms" % (port, seconds, worst * 1e3))


if __name__ == "__main__":
    main()
