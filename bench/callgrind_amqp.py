"""Instruction count (callgrind Ir) of fixed AMQP workloads, for comparing two builds on a shared,
loaded machine where wall-clock benchmarks are noise (the AMQP counterpart of callgrind_resp.py).
Each binary runs under valgrind --tool=callgrind once per mode with the workload and once without
it; the difference is the workload's cost. Workloads are bench/bin/amqp_load modes (rabbitmq-c):
`publish` (N x 100-byte basic.publish) and `get` (N publishes, then N basic.get + basic.ack).

usage: python3 bench/callgrind_amqp.py BINARY [BINARY...] [--n 20000] [--modes publish,get]
"""
import argparse
import os
import re
import signal
import subprocess
import tempfile

from callgrind_resp import total_instructions

HERE = os.path.dirname(os.path.abspath(__file__))
LOAD = os.path.join(HERE, "bin", "amqp_load")


def ensure_load():
    if not os.path.exists(LOAD):
        os.makedirs(os.path.dirname(LOAD), exist_ok=True)
        subprocess.check_call(["cc", "-O2", os.path.join(HERE, "amqp_load.c"), "-lrabbitmq", "-lpthread",
                               "-o", LOAD])


def run(binary, mode, n):
    d = tempfile.mkdtemp(prefix="latchkey-callgrind-amqp-")
    out = os.path.join(d, "callgrind.out")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, binary,
                             "--port", "0", "--amqp-port", "0", "--bind", "127.0.0.1", "--dir", d,
                             "--loglevel", "warning"], stdout=subprocess.PIPE, stderr=open(out + ".stderr", "w"))
    port = None
    for line in proc.stdout:
        m = re.search(rb"amqp=127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        raise SystemExit("%s exited before its ready line; see %s.stderr" % (binary, out))
    if n > 0:
        subprocess.check_call([LOAD, mode, "-H", "127.0.0.1", "-p", str(port), "-n", str(n)],
                              stdout=subprocess.DEVNULL)
    proc.send_signal(signal.SIGTERM)
    proc.wait(120)
    return total_instructions(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--modes", default="publish,get")
    a = ap.parse_args()
    ensure_load()
    for b in a.binaries:
        base = run(b, "publish", 0)
        for mode in a.modes.split(","):
            total = run(b, mode, a.n)
            print("%s %s: workload %d Ir (%.0f Ir per message), start-up+shutdown %d Ir"
                  % (b, mode, total - base, (total - base) / a.n, base))


if __name__ == "__main__":
    main()
