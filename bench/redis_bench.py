#!/usr/bin/env python3
"""RESP benchmark: Latchkey against redis-server 7 (Debian), same workloads, one run.

Starts both servers on free ports with persistence off, then runs each redis-benchmark workload
against one server and then the other (alternating, several rounds) and prints requests/s and
the ratio Latchkey / redis-server as a markdown table, with each server's CPU per request:
utime+stime of the server process (/proc/PID/stat) read just before and just after the
redis-benchmark run, divided by its requests (so the 50 connects are included; they are noise
beside 200,000 requests). Also measures resident memory (VmRSS)
after loading N live lock keys (22-byte tokens, PX 600000) and start-up time to ready.

Usage: bench/redis_bench.py [--quick] [--requests N] [--rounds R] [--keys N]
                            [--only redis|latchkey] [--durability]
`--only redis` validates the harness without a Latchkey build. Rows a server answers with an
error (e.g. DELEX on Redis 7.0, EVALSHA before Lua exists) are skipped for that server.
"""
import argparse
import hashlib
import os
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop"))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop", "redis"))

import latchkey_server  # noqa: E402
import proc_cpu  # noqa: E402
import real_redis  # noqa: E402
from resp_wire import RawConn, encode  # noqa: E402

TOKEN = "tok-0123456789abcdefgh"  # 22 bytes, like a short uuid-based lock token
assert len(TOKEN) == 22
RELEASE_SCRIPT = """
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        redis.call('del', KEYS[1])
        return 1
    """  # redis-py 8's Lock.LUA_RELEASE_SCRIPT, byte for byte
RELEASE_SHA = hashlib.sha1(RELEASE_SCRIPT.encode()).hexdigest()

WORKLOADS = [
    ("SET NX PX", ["SET", "lock:__rand_int__", TOKEN, "NX", "PX", "30000"]),
    ("GET", ["GET", "lock:__rand_int__"]),
    ("EVALSHA release", ["EVALSHA", RELEASE_SHA, "1", "lock:__rand_int__", TOKEN]),
    ("DELEX IFEQ", ["DELEX", "lock:__rand_int__", "IFEQ", TOKEN]),
    ("DEL", ["DEL", "lock:__rand_int__"]),
    # Issue 11's rows: the types python-redis-lock, Redisson and Celery's backend use.
    ("LPUSH", ["LPUSH", "list:__rand_int__", TOKEN]),
    ("RPOP", ["RPOP", "list:__rand_int__"]),
    ("HINCRBY", ["HINCRBY", "hash:__rand_int__", "field", "1"]),
    ("PUBLISH (no subscriber)", ["PUBLISH", "chan:__rand_int__", TOKEN]),
]


# ------------------------------------------------------------------ servers

class Side:
    def __init__(self, name, factory):
        self.name, self.factory, self.server = name, factory, None

    def start(self):
        t0 = time.perf_counter()
        self.server = self.factory()
        self.started_s = time.perf_counter() - t0
        return self

    def stop(self):
        if self.server:
            self.server.stop()
            self.server = None

    @property
    def port(self):
        return self.server.port

    @property
    def pid(self):
        return self.server.proc.pid


def latchkey_factory(*extra):
    extra = extra or ("--appendonly", "no")  # persistence off unless the caller says otherwise
    return lambda: latchkey_server.LatchkeyServer(*extra, amqp=False).start()


def redis_factory(*extra):
    return lambda: real_redis.RedisServer(*extra).start()


def vm_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


# ------------------------------------------------------------------ workloads

def probe(side, cmd):
    """One request first: None if it works, else the server's error line (row is skipped)."""
    with RawConn(side.port) as c:
        rep = c.cmd(*[a.replace("__rand_int__", "000000000001") for a in cmd])
        return rep.raw.decode(errors="replace").strip() if rep.is_error else None


def run_benchmark(side, cmd, pipeline, requests, clients):
    """(requests/s, server CPU us per request) of one redis-benchmark run."""
    args = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(side.port), "-c", str(clients),
            "-P", str(pipeline), "-n", str(requests), "-r", "1000000", "--csv"] + cmd
    before = proc_cpu.cpu_ticks(side.pid)
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    cpu_us = proc_cpu.ticks_to_us(proc_cpu.cpu_ticks(side.pid) - before) / requests
    text = p.stdout + p.stderr
    if p.returncode != 0 or "WARNING" in text or "Error" in text:
        raise RuntimeError("redis-benchmark failed on %s: %s" % (side.name, text[-500:]))
    last = [line for line in p.stdout.splitlines() if line.strip()][-1]
    return float(last.split(",")[1].strip('"')), cpu_us


def command_line(cmd, pipeline, requests, clients):
    return "redis-benchmark -p PORT -c %d -P %d -n %d -r 1000000 --csv %s" % (
        clients, pipeline, requests, " ".join(cmd))


def throughput_rows(sides, args):
    rows = []
    for pipeline in (1, 16):
        n = args.requests * (5 if pipeline > 1 else 1)
        for label, cmd in WORKLOADS:
            results = {}
            skipped = {}
            for side in sides:
                if cmd[0] == "EVALSHA":
                    with RawConn(side.port) as c:
                        c.cmd("SCRIPT", "LOAD", RELEASE_SCRIPT)  # an error here shows in probe()
                why = probe(side, cmd)
                if why:
                    skipped[side.name] = why
                else:
                    results[side.name] = []
            for _round in range(args.rounds):
                # Alternate who goes first so neither side always runs on a "warmer" machine.
                order = sides if _round % 2 == 0 else list(reversed(sides))
                for side in order:
                    if side.name in results:
                        results[side.name].append(run_benchmark(side, cmd, pipeline, n, args.clients))
            rows.append((label, pipeline, n, cmd, results, skipped))
            print("  done: %-16s -P %-2d %s" % (label, pipeline, {k: "%d req/s %.2f us" % best(v)
                                                                   for k, v in results.items()}),
                  file=sys.stderr)
    return rows


def load_locks(side, n, batch=10_000):
    """FLUSHALL, then n distinct keys lock:<i> = 22-byte token, PX 600000, pipelined."""
    with RawConn(side.port, timeout=120) as c:
        c.cmd("FLUSHALL")
        for start in range(0, n, batch):
            count = min(batch, n - start)
            c.send(b"".join(encode("SET", "lock:%d" % i, TOKEN, "PX", "600000")
                            for i in range(start, start + count)))
            for _ in range(count):
                rep = c.read()
                if rep.raw != b"+OK\r\n":
                    raise RuntimeError("%s: load failed: %r" % (side.name, rep.raw))
        size = c.cmd("DBSIZE").value
        if size != n:
            raise RuntimeError("%s: DBSIZE %d after loading %d keys" % (side.name, size, n))


def memory_rows(sides, n):
    rows = []
    for side in sides:
        before = vm_rss_kb(side.pid)
        load_locks(side, n)
        time.sleep(0.5)  # let any lazy frees / background work settle
        after = vm_rss_kb(side.pid)
        rows.append((side.name, before, after, (after - before) * 1024 / n))
    return rows


def startup_times(names_factories, repeats):
    out = {}
    for name, factory in names_factories:
        times = []
        for _ in range(repeats):
            side = Side(name, factory).start()
            times.append(side.started_s * 1000)
            side.stop()
        out[name] = statistics.median(times)
    return out


# ------------------------------------------------------------------ report

def best(runs):
    """The round with the highest requests/s, and that same round's CPU per request."""
    return max(runs) if runs else (None, None)


def print_throughput(rows, names, title):
    # Latchkey first, then the reference, then the two ratios (Latchkey / redis-server).
    names = sorted(names, key=lambda n: n != "latchkey")
    both = len(names) == 2
    print("\n### %s\n" % title)
    print("| workload | -P | requests | " + " | ".join("%s req/s" % n for n in names) +
          (" | throughput ratio |" if both else " |") +
          " " + " | ".join("%s CPU us/req" % n for n in names) + (" | CPU ratio |" if both else " |"))
    print("|---|---|---|" + "---:|" * (2 * len(names) + (2 if both else 0)))
    for label, pipeline, n, cmd, results, skipped in rows:
        rps, cpu = [], []
        for name in names:
            if name in skipped:
                rps.append("skipped (%s)" % skipped[name][:60])
                cpu.append("-")
            else:
                r, c = best(results.get(name, []))
                rps.append("{:,.0f}".format(r) if r else "-")
                cpu.append("%.2f" % c if c is not None else "-")
        a, b = (best(results.get(nm, [])) for nm in names) if both else ((None, None), (None, None))
        line = "| %s | %d | %d | %s |" % (label, pipeline, n, " | ".join(rps))
        if both:
            line += " %s |" % proc_cpu.ratio(a[0], b[0])
        line += " %s |" % " | ".join(cpu)
        if both:
            line += " %s |" % proc_cpu.ratio(a[1], b[1])
        print(line)
    print("\nCPU us/req: the server's utime+stime over the redis-benchmark run / requests "
          "(CPU ratio below 1 = Latchkey spends less).")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="short runs (smoke check of the harness)")
    ap.add_argument("--requests", type=int, help="requests per run at -P 1 (x5 at -P 16)")
    ap.add_argument("--rounds", type=int, help="alternating rounds per row (best is reported)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--keys", type=int, help="live lock keys for the memory row")
    ap.add_argument("--only", choices=["redis", "latchkey"], help="run one server only")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory and start-up rows")
    ap.add_argument("--durability", action="store_true",
                    help="also SET NX PX with appendonly yes, appendfsync always / everysec")
    args = ap.parse_args()
    args.requests = args.requests or (20_000 if args.quick else 200_000)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.keys = args.keys or (100_000 if args.quick else 1_000_000)

    chosen = []
    if args.only != "latchkey":
        chosen.append(("redis-server", redis_factory()))
    if args.only != "redis":
        if not os.path.exists(latchkey_server.binary_path()):
            sys.exit("latchkey binary not found at %s (build it, set LATCHKEY_BIN, or use --only redis)"
                     % latchkey_server.binary_path())
        chosen.append(("latchkey", latchkey_factory()))
    names = [n for n, _ in chosen]

    print("## RESP benchmark: %s\n" % " vs ".join(names))
    print("Machine: %d cores, %s. redis-server: %s" % (
        os.cpu_count(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()))
    print("Each row: %d alternating round(s), best requests/s per server (and that round's CPU); -c %d, "
          "keys from -r 1000000." % (args.rounds, args.clients))
    print("Load at start: %s" % proc_cpu.load_average())

    sides = [Side(n, f).start() for n, f in chosen]
    try:
        rows = throughput_rows(sides, args)
        print_throughput(rows, names, "Throughput (persistence off)")
        print("\nCommand lines:\n")
        for side in sides:
            # The argv as started (redis-server rewrites its /proc cmdline into a process title).
            print("    server %s: %s" % (side.name, shlex.join(map(str, side.server.proc.args))))
        for label, pipeline, n, cmd, _, _ in rows:
            print("    " + command_line(cmd, pipeline, n, args.clients))
    finally:
        for s in sides:
            s.stop()

    print("\nLoad after the throughput rows: %s" % proc_cpu.load_average())
    if not args.no_memory:
        # Memory on fresh servers, so the baseline is an empty server.
        msides = [Side(n, f).start() for n, f in chosen]
        try:
            mem = memory_rows(msides, args.keys)
        finally:
            for s in msides:
                s.stop()

        print("\n### Memory with %s live lock keys (22-byte tokens, PX 600000)\n" % "{:,}".format(args.keys))
        print("| server | RSS before (MB) | RSS after (MB) | bytes per key |")
        print("|---|---|---|---|")
        for name, before, after, per_key in mem:
            print("| %s | %.1f | %.1f | %.0f |" % (name, before / 1024, after / 1024, per_key))
        if len(mem) == 2:
            print("\nRSS ratio latchkey/redis-server after load: %.2fx" % (mem[1][2] / mem[0][2]))

        st = startup_times(chosen, 3 if args.quick else 7)
        print("\n### Start-up to ready (median)\n")
        print("| server | ms | measured as |")
        print("|---|---|---|")
        for name in names:
            how = "spawn to ready line on stdout" if name == "latchkey" else "spawn to first PONG (5 ms polling)"
            print("| %s | %.1f | %s |" % (name, st[name], how))

    if args.durability:
        for fsync in ("always", "everysec"):
            extra = ("--appendonly", "yes", "--appendfsync", fsync)
            dsides = []
            for n, _ in chosen:
                f = redis_factory(*extra) if n == "redis-server" else latchkey_factory(*extra)
                dsides.append(Side(n, f).start())
            try:
                drows = []
                for pipeline in (1, 16):
                    n = args.requests * (5 if pipeline > 1 else 1)
                    if fsync == "always":
                        n = max(1000, n // 10)  # every write waits for the disk
                    cmd = WORKLOADS[0][1]
                    results = {s.name: [] for s in dsides}
                    for _round in range(args.rounds):
                        order = dsides if _round % 2 == 0 else list(reversed(dsides))
                        for s in order:
                            results[s.name].append(run_benchmark(s, cmd, pipeline, n, args.clients))
                    drows.append(("SET NX PX", pipeline, n, cmd, results, {}))
            finally:
                for s in dsides:
                    s.stop()
            print_throughput(drows, names, "Durability: appendonly yes, appendfsync %s" % fsync)
    print("\nLoad at end: %s" % proc_cpu.load_average())


if __name__ == "__main__":
    main()
