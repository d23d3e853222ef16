#!/usr/bin/env python3
"""Syscalls per request on the round-trip rows (issue 14 item 3): Latchkey against the reference.

For each server: start it, prepare (the AMQP queue is filled before tracing starts), attach
`strace -c -f -p PID` (every thread: for RabbitMQ that is beam.smp's schedulers and pollers),
wait until strace reports the threads attached, run a fixed number of round trips, stop strace
with SIGINT and divide its call counts by the requests. Rows:
  RESP  redis-benchmark -c 50 -P 1 GET (as the -P 1 GET throughput row), Latchkey vs redis-server
  AMQP  basic.get + basic.ack on one connection (bench/amqp_load get -E), Latchkey vs RabbitMQ
The counts include what the server does on its own during the traced window (timers, the 50
connects); strace slows the server, so the window is longer than an untraced run. To show how
much of a count is the server's own ticking, each server is then traced idle for as long as the
loaded window lasted, and that count is also reported ("idle in the same time", per request).
Counts only: no timing from this script is meaningful.

Usage: bench/syscalls.py [--quick] [--requests N] [--gets N] [--only resp|amqp] [--top K]
Environment: LATCHKEY_BIN (default .build/release/latchkey).
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop"))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop", "redis"))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop", "amqp"))

import amqp_bench  # noqa: E402  (builds and locates bench/bin/amqp_load)
import latchkey_server  # noqa: E402
import proc_cpu  # noqa: E402
import real_redis  # noqa: E402
from rabbitmq_server import RabbitMQServer  # noqa: E402


class Strace:
    """strace -c -f -p PID for the duration of a `with` block; .calls maps syscall -> count."""

    def __init__(self, pid):
        self.pid = pid
        self.calls = {}

    def __enter__(self):
        self.out = tempfile.NamedTemporaryFile(prefix="latchkey-strace-", suffix=".txt", delete=False).name
        self.proc = subprocess.Popen(["strace", "-c", "-f", "-o", self.out, "-p", str(self.pid)],
                                     stderr=subprocess.PIPE, text=True)
        # With -f, strace attaches every existing thread, then prints one line:
        # "strace: Process N attached with M threads" (or "... attached" for a single thread).
        deadline = time.monotonic() + 30
        while True:
            line = self.proc.stderr.readline()
            if "attached" in line:
                break
            if not line or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("strace did not attach to %d: %s" % (self.pid, line.strip()))
        # Keep reading its stderr so strace never blocks on a full pipe.
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)
        with open(self.out) as f:
            self.calls = parse_summary(f.read())
        os.unlink(self.out)


def parse_summary(text):
    """strace -c's table: '% time seconds usecs/call calls [errors] syscall' rows, then 'total'."""
    calls = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[3].isdigit() and parts[-1] != "total":
            calls[parts[-1]] = calls.get(parts[-1], 0) + int(parts[3])
    return calls


def traced(pid, run):
    """(calls during run(), calls while idle for as long as run() took)."""
    with Strace(pid) as busy:
        t0 = time.monotonic()
        run()
        took = time.monotonic() - t0
    with Strace(pid) as idle:
        time.sleep(took)  # nothing to wait for: the point is an idle window of the same length
    return busy.calls, idle.calls


def resp_round_trips(name, server, n, clients):
    cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port), "-c", str(clients), "-P", "1",
           "-n", str(n), "-r", "1000000", "GET", "lock:__rand_int__"]
    calls, idle = traced(server.proc.pid, lambda: subprocess.run(cmd, check=True, capture_output=True, timeout=600))
    shown = "redis-benchmark -p PORT -c %d -P 1 -n %d -r 1000000 GET lock:__rand_int__" % (clients, n)
    return (name, "GET, -P 1, -c %d" % clients, n, calls, idle, shown)


def amqp_round_trips(name, host, port, pid, n):
    load = amqp_bench.LOAD
    queue = "bench-syscalls-%d" % os.getpid()
    subprocess.run([load, "publish", "-H", host, "-p", str(port), "-n", str(n), "-k", "-q", queue],
                   check=True, capture_output=True, timeout=600)
    get = [load, "get", "-E", "-H", host, "-p", str(port), "-n", str(n), "-q", queue]
    calls, idle = traced(pid, lambda: subprocess.run(get, check=True, capture_output=True, timeout=600))
    subprocess.run([load, "delete", "-H", host, "-p", str(port), "-q", queue], check=True,
                   capture_output=True, timeout=60)
    shown = ("bench/bin/amqp_load publish -n %d -k -q Q (untraced); bench/bin/amqp_load get -E -n %d -q Q"
             % (n, n))
    return (name, "basic.get + basic.ack", n, calls, idle, shown)


def report(rows, top):
    print("| round trip | server | requests | syscalls / request | idle in the same time, / request | "
          "busiest syscalls per request |")
    print("|---|---|---:|---:|---:|---|")
    for name, label, n, calls, idle, _ in rows:
        busiest = sorted(calls.items(), key=lambda kv: -kv[1])[:top]
        print("| %s | %s | %d | %.2f | %.2f | %s |" % (
            label, name, n, sum(calls.values()) / n, sum(idle.values()) / n,
            ", ".join("%s %.2f" % (k, v / n) for k, v in busiest)))
    print("\nCommand lines (strace -c -f -p PID attached around each, all threads):\n")
    for name, _, _, _, _, shown in rows:
        print("    %s: %s" % (name, shown))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small counts: a smoke check")
    ap.add_argument("--requests", type=int, help="-P 1 GET requests (default 20,000; quick 2,000)")
    ap.add_argument("--gets", type=int, help="basic.get + ack round trips (default 5,000; quick 500)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--only", choices=["resp", "amqp"])
    ap.add_argument("--top", type=int, default=5, help="syscalls listed per row")
    args = ap.parse_args()
    n_resp = args.requests or (2000 if args.quick else 20000)
    n_amqp = args.gets or (500 if args.quick else 5000)
    if not shutil.which("strace"):
        sys.exit("strace is not installed (make bench installs it; or apt-get install strace)")
    if not os.path.exists(latchkey_server.binary_path()):
        sys.exit("no latchkey binary at %s" % latchkey_server.binary_path())

    print("## Syscalls per request (strace -c -f), %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    print("Load at start: %s\n" % proc_cpu.load_average())
    rows = []
    if args.only != "amqp":
        for name, make in (("latchkey", lambda: latchkey_server.LatchkeyServer("--appendonly", "no", amqp=False)),
                           ("redis-server", lambda: real_redis.RedisServer())):
            server = make().start()
            try:
                rows.append(resp_round_trips(name, server, n_resp, args.clients))
            finally:
                server.stop()
    if args.only != "resp":
        amqp_bench.build_load()
        # Same settings as the AMQP throughput rows (the queue is transient, so nothing is logged).
        lk = latchkey_server.LatchkeyServer("--appendonly", "yes", "--appendfsync", "always").start()
        try:
            rows.append(amqp_round_trips("latchkey", lk.host, lk.amqp_port, lk.proc.pid, n_amqp))
        finally:
            lk.stop()
        rq = RabbitMQServer().start()
        try:
            rows.append(amqp_round_trips("rabbitmq", rq.host, rq.port, proc_cpu.beam_pid(rq.pid()), n_amqp))
        finally:
            rq.stop()
    report(rows, args.top)
    print("\nLoad at end: %s" % proc_cpu.load_average())


if __name__ == "__main__":
    main()
