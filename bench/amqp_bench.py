#!/usr/bin/env python3
"""AMQP benchmark harness: runs bench/amqp_load (rabbitmq-c) against Latchkey and RabbitMQ 3 in one go.

Each server is started on spare loopback ports, timed from launch to its first successful AMQP
handshake, filled with 1,000,000 queued 100-byte messages for a resident-memory reading (then that
queue is deleted), driven through every row, and stopped before the next one starts (the machine has two cores; an idle Erlang VM
beside Latchkey would skew it). Prints a markdown table with ratios and the command lines used.

Every row also reports the server's CPU per message: amqp_load -C PID reads utime+stime from
/proc/PID/stat at the start and the end of its timed interval (set-up and pre-fill excluded).
The server process is latchkey itself, or RabbitMQ's beam.smp (all its threads).

Usage: bench/amqp_bench.py [--quick] [--only latchkey|rabbitmq] [--rows publish,get,...] [--repeat K]
                           [--no-rss] [--json PATH]
Environment: LATCHKEY_BIN (default .build/release/latchkey).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop"))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop", "amqp"))

from latchkey_server import LatchkeyServer, binary_path  # noqa: E402
from rabbitmq_server import RabbitMQServer, amqp_handshake_ok  # noqa: E402
import proc_cpu  # noqa: E402

SOURCE = os.path.join(REPO, "bench", "amqp_load.c")
LOAD = os.path.join(REPO, "bench", "bin", "amqp_load")

# (key, label, mode, extra args, full N, quick N, issue target)
ROWS = [
    ("publish", "publish 100 B, no confirms", "publish", [], 300000, 20000, 3),
    ("publish-persistent", "durable queue, persistent publish, no confirms", "publish", ["-d"], 100000, 5000, 3),
    ("get", "basic.get + basic.ack", "get", [], 50000, 5000, 3),
    ("pubsub-get", "1 producer + 1 consumer (basic.get)", "pubsub", ["-g"], 50000, 5000, 3),
    ("pubsub", "1 producer + 1 consumer (consume, prefetch 100)", "pubsub", ["-P", "100"], 200000, 20000, 3),
    ("consume", "consume, prefetch 100 + acks", "consume", ["-P", "100"], 200000, 20000, 3),
    ("fanout", "fanout to 10 queues (published msgs/s)", "fanout", [], 50000, 5000, 3),
    ("topic", "topic exchange, 1,000 bindings", "topic", [], 200000, 20000, 3),
    ("confirm", "publish with confirms (window 100)", "confirm", ["-w", "100"], 100000, 10000, 3),
    ("confirm-durable", "durable queue, persistent publish with confirms (window 100)", "confirm",
     ["-w", "100", "-d", "-q", "bench-durable"], 50000, 5000, 3),
    ("latency", "latency publish->deliver at 1,000 msg/s", "latency", ["-r", "1000"], 5000, 1000, None),
]
RSS_MESSAGES = (1000000, 100000)  # full, quick


def build_load():
    if os.path.exists(LOAD) and os.path.getmtime(LOAD) >= os.path.getmtime(SOURCE):
        return
    os.makedirs(os.path.dirname(LOAD), exist_ok=True)
    cmd = ["cc", "-O2", SOURCE, "-lrabbitmq", "-o", LOAD]
    print("building: %s" % " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


def parse(line):
    return {k: v for k, v in (part.split("=", 1) for part in line.split() if "=" in part)}


def run_load(host, port, mode, n, extra, timeout=600, pid=None):
    cmd = [LOAD, mode, "-H", host, "-p", str(port), "-n", str(n)] + extra + (["-C", str(pid)] if pid else [])
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd), p.stderr.strip()))
    lines = p.stdout.strip().splitlines()
    return (parse(lines[-1]) if lines else {}), cmd


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


class Target:
    """A server under test: start() returns self after timing launch -> first handshake."""

    def __init__(self, kind):
        self.kind = kind
        self.server = None
        self.startup_ms = None

    def start(self):
        if self.kind == "latchkey":
            samples = []
            for _ in range(5):  # start-up is milliseconds: take the median of a few fresh launches
                t0 = time.monotonic()
                # The log is on with fsync-before-confirm, so the durable row means "on disk" as it
                # does for RabbitMQ; transient messages on non-durable queues are never logged, so
                # the other rows do not change.
                s = LatchkeyServer("--appendonly", "yes", "--appendfsync", "always").start()
                while not amqp_handshake_ok(s.host, s.amqp_port, timeout=1):
                    if time.monotonic() - t0 > 10:
                        raise RuntimeError("latchkey never answered an AMQP handshake")
                samples.append((time.monotonic() - t0) * 1000)
                if len(samples) < 5:
                    s.stop()
            self.server = s
            self.startup_ms = statistics.median(samples)
            self.host, self.port, self.pid = s.host, s.amqp_port, s.proc.pid
        else:
            s = RabbitMQServer().start()
            self.server = s
            self.startup_ms = s.startup_seconds * 1000
            self.host, self.port, self.pid = s.host, s.port, proc_cpu.beam_pid(s.pid())
        return self

    def stop(self):
        if self.server is not None:
            self.server.stop()


def measure(kind, rows, quick, repeat, do_rss):
    t = Target(kind).start()
    results = {"startup_ms": t.startup_ms, "rows": {}, "commands": {},
               "server": proc_cpu.cmdline(t.pid) if kind == "latchkey" else
               "rabbitmq-server, private node (Tests/Interop/amqp/rabbitmq_server.py), beam.smp pid %d" % t.pid}
    try:
        if do_rss:
            # First, on a fresh server, so the earlier rows' garbage does not count against either.
            n = RSS_MESSAGES[1] if quick else RSS_MESSAGES[0]
            before = rss_kb(t.pid)
            run_load(t.host, t.port, "publish", n, ["-s", "100", "-k", "-q", "bench-rss"], timeout=1200)
            time.sleep(1.0)
            after = rss_kb(t.pid)
            run_load(t.host, t.port, "delete", 1, ["-q", "bench-rss"])
            results["rss"] = {"messages": n, "before_kb": before, "after_kb": after}
            print("  %-9s rss      %d messages: %d kB -> %d kB" % (kind, n, before, after), file=sys.stderr)
        for key, label, mode, extra, full_n, quick_n, _ in rows:
            n = quick_n if quick else full_n
            runs = []
            for _ in range(repeat):
                r, cmd = run_load(t.host, t.port, mode, n, extra, pid=t.pid)
                runs.append(r)
            # Best of `repeat` for throughput; for latency the run with the lowest median.
            if mode == "latency":
                best = min(runs, key=lambda r: float(r["p50_us"]))
            else:
                best = max(runs, key=lambda r: float(r["msgs_per_sec"]))
            results["rows"][key] = best
            results["commands"][key] = " ".join(os.path.relpath(c, REPO) if c == LOAD else c for c in
                                                cmd[:1] + [cmd[1]] + ["-n", str(n)] + extra + ["-C", "PID"])
            print("  %-9s %-8s %s" % (kind, key, " ".join("%s=%s" % kv for kv in best.items())), file=sys.stderr)
    finally:
        t.stop()
    return results


def fmt_rate(v):
    return "{:,.0f}".format(v)


def table(res, rows, quick):
    lk, rq = res.get("latchkey"), res.get("rabbitmq")
    out = []
    out.append("| Row | Latchkey | RabbitMQ 3 | Latchkey advantage | Target | Latchkey CPU us/msg | "
               "RabbitMQ CPU us/msg | CPU ratio |")
    out.append("|---|---:|---:|---:|---|---:|---:|---:|")
    cpu = lambda r: float(r["cpu_us_per_msg"]) if r and "cpu_us_per_msg" in r else None
    for key, label, mode, extra, full_n, quick_n, target in rows:
        a = lk["rows"].get(key) if lk else None
        b = rq["rows"].get(key) if rq else None
        if mode == "latency":
            cell = lambda r: "p50 %s / p99 %s us" % (r["p50_us"], r["p99_us"]) if r else "-"
            ratio = "%.1fx (p50)" % (float(b["p50_us"]) / float(a["p50_us"])) if a and b else "-"
            goal = "p50 < 100 us, p99 < 1 ms"
            if a:
                ok = float(a["p50_us"]) < 100 and float(a["p99_us"]) < 1000
                goal += " (%s)" % ("met" if ok else "missed")
        else:
            cell = lambda r: fmt_rate(float(r["msgs_per_sec"])) + " msg/s" if r else "-"
            ratio = "%.2fx" % (float(a["msgs_per_sec"]) / float(b["msgs_per_sec"])) if a and b else "-"
            goal = ">= %dx RabbitMQ" % target
            if a and b:
                goal += " (%s)" % ("met" if float(a["msgs_per_sec"]) >= target * float(b["msgs_per_sec"])
                                   else "missed")
        ca, cb = cpu(a), cpu(b)
        out.append("| %s (n=%d) | %s | %s | %s | %s | %s | %s | %s |" % (
            label, quick_n if quick else full_n, cell(a), cell(b), ratio, goal,
            "%.2f" % ca if ca is not None else "-", "%.2f" % cb if cb is not None else "-",
            proc_cpu.ratio(ca, cb)))
    if (lk and "rss" in lk) or (rq and "rss" in rq):
        n = (lk or rq)["rss"]["messages"]
        cell = lambda r: ("%.1f MB (idle %.1f MB)" % (r["rss"]["after_kb"] / 1024, r["rss"]["before_kb"] / 1024)
                          if r and "rss" in r else "-")
        ratio = ("%.1fx less" % (rq["rss"]["after_kb"] / lk["rss"]["after_kb"])
                 if lk and rq and "rss" in lk and "rss" in rq else "-")
        goal = "<= 1/2 of RabbitMQ"
        if lk and rq and "rss" in lk and "rss" in rq:
            goal += " (%s)" % ("met" if lk["rss"]["after_kb"] * 2 <= rq["rss"]["after_kb"] else "missed")
        out.append("| resident memory, %s queued 100 B messages | %s | %s | %s | %s | | | |" % (
            "{:,}".format(n), cell(lk), cell(rq), ratio, goal))
    cell = lambda r: ("%.1f ms" % r["startup_ms"]) if r else "-"
    ratio = "%.0fx" % (rq["startup_ms"] / lk["startup_ms"]) if lk and rq else "-"
    goal = "< 20 ms" + ((" (%s)" % ("met" if lk["startup_ms"] < 20 else "missed")) if lk else "")
    out.append("| start-up to first AMQP handshake | %s | %s | %s | %s | | | |" % (cell(lk), cell(rq), ratio, goal))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small message counts: a smoke check, not figures")
    ap.add_argument("--only", choices=["latchkey", "rabbitmq"], help="run against one server only")
    ap.add_argument("--rows", help="comma-separated row keys (%s)" % ",".join(r[0] for r in ROWS))
    ap.add_argument("--repeat", type=int, default=1, help="runs per row; the best is reported")
    ap.add_argument("--no-rss", action="store_true", help="skip the 1,000,000-message memory reading")
    ap.add_argument("--json", help="also write the raw results here")
    args = ap.parse_args()

    rows = ROWS
    if args.rows:
        wanted = set(args.rows.split(","))
        unknown = wanted - {r[0] for r in ROWS}
        if unknown:
            ap.error("unknown rows: %s" % ", ".join(sorted(unknown)))
        rows = [r for r in ROWS if r[0] in wanted]
    kinds = [args.only] if args.only else ["latchkey", "rabbitmq"]
    if "latchkey" in kinds and not os.path.exists(binary_path()):
        ap.error("no latchkey binary at %s (swift build -c release --product latchkey, or --only rabbitmq)"
                 % binary_path())
    build_load()

    load_start = proc_cpu.load_average()
    results = {}
    for kind in kinds:
        print("== %s" % kind, file=sys.stderr)
        results[kind] = measure(kind, rows, args.quick, args.repeat, not args.no_rss)

    print("AMQP benchmark (%s), %s, 2 cores shared; servers run one after the other on loopback." % (
        "quick smoke run, small counts" if args.quick else "full run", time.strftime("%Y-%m-%d %H:%M UTC",
                                                                                      time.gmtime())))
    print("Load at start: %s" % load_start)
    print("Load at end:   %s" % proc_cpu.load_average())
    print()
    print(table(results, rows, args.quick))
    print()
    print("CPU us/msg: the server's utime+stime over the timed interval / messages (fanout and topic: per "
          "published message; CPU ratio below 1 = Latchkey spends less). Latchkey runs with --appendonly yes "
          "--appendfsync always (only durable queues' persistent messages are logged).")
    print()
    print("Command lines (each against -H 127.0.0.1 -p <server's AMQP port>; PID = latchkey or beam.smp):")
    for kind, r in results.items():
        print("    server %s: %s" % (kind, r["server"]))
    for key, *_ in rows:
        cmd = next((r["commands"][key] for r in results.values() if key in r["commands"]), None)
        if cmd:
            print("    %s" % cmd)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
