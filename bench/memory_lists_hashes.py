"""Memory per list element and per hash field, Latchkey vs redis-server (issue 11).

Starts each server without persistence, reads its RSS (/proc/<pid>/status VmRSS), then fills one
list with N elements (RPUSH, 1000 per command) and measures the RSS delta (a fresh server per case); then the same for one
hash with N fields (HSET), and N/100 small hashes of 100 fields each (the listpack case).
Values are 10-byte strings ("v" + 9 digits); fields are "f" + 9 digits. Prints bytes per item.
A rough measure (RSS moves in pages, allocators keep freed memory): run on a quiet machine.

    python bench/memory_lists_hashes.py [N]     (default 1000000; LATCHKEY_BIN picks the binary)
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Interop"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Interop", "redis"))
import redis  # noqa: E402
from latchkey_server import LatchkeyServer  # noqa: E402
from real_redis import RedisServer  # noqa: E402


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


CASES = (
    ("list element", lambda p, i: p.rpush("l", *["v%09d" % j for j in range(i, i + 1000)])),
    ("hash field (one big hash)",
     lambda p, i: p.hset("h", mapping={"f%09d" % j: "v%09d" % j for j in range(i, i + 1000)})),
    ("hash field (100-field hashes)",
     lambda p, i: [p.hset("sh:%d" % (j // 100), mapping={"f%09d" % k: "v%09d" % k for k in range(j, j + 100)})
                   for j in range(i, i + 1000, 100)]),
)


def measure(start, n):
    """One fresh server per case: freed memory stays in the allocator, so cases must not share."""
    out = {}
    for name, fill in CASES:
        srv = start()
        try:
            out[name] = fill_and_measure(srv, n, fill)
        finally:
            srv.stop()
    return out


def fill_and_measure(srv, n, fill):
    c = redis.Redis(host=srv.host, port=srv.port)
    pid = srv.proc.pid
    if True:
        time.sleep(0.2)
        before = rss(pid)
        pipe = c.pipeline(transaction=False)
        for i in range(0, n, 1000):
            fill(pipe, i)
            if i % 50_000 == 0:
                pipe.execute()
        pipe.execute()
        time.sleep(0.2)
        return (rss(pid) - before) / n


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    ours = measure(lambda: LatchkeyServer("--appendonly", "no", amqp=False).start(), n)
    theirs = measure(lambda: RedisServer().start(), n)
    print("%-32s %12s %12s %8s" % ("bytes per item (N=%d)" % n, "latchkey", "redis", "ratio"))
    for k in ours:
        print("%-32s %12.1f %12.1f %8.2f" % (k, ours[k], theirs[k], ours[k] / theirs[k]))


if __name__ == "__main__":
    main()
