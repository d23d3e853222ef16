"""Instruction count (callgrind Ir) of a fixed RESP workload, for comparing two builds on a
shared, loaded machine where wall-clock benchmarks are noise. Each binary runs twice under
valgrind --tool=callgrind: with the workload and without it; the difference is the workload's
cost. Workload: N times `SET lock:i tok NX PX 30000` + `GET lock:i`, pipelined 100 at a time,
on one connection.

usage: python3 bench/callgrind_resp.py BINARY [BINARY...] [--n 20000]
"""
import argparse
import os
import re
import socket
import subprocess
import tempfile


def run(binary, n):
    d = tempfile.mkdtemp(prefix="latchkey-callgrind-")
    out = os.path.join(d, "callgrind.out")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, binary,
                             "--port", "0", "--amqp-port", "off", "--bind", "127.0.0.1", "--dir", d,
                             "--loglevel", "warning"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = None
    for line in proc.stdout:
        m = re.match(rb"Ready to accept connections: resp=127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    s = socket.create_connection(("127.0.0.1", port))
    pending = b""

    def cmd(*args):
        return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)

    for start in range(0, n, 100):
        batch = b"".join(cmd(b"SET", b"lock:%d" % i, b"tok", b"NX", b"PX", b"30000") + cmd(b"GET", b"lock:%d" % i)
                         for i in range(start, min(n, start + 100)))
        s.sendall(batch)
        want = 2 * (min(n, start + 100) - start)
        got = 0
        while got < want:
            pending += s.recv(1 << 20)
            # every reply here is +OK or $3 tok: count CRLF-terminated replies
            while True:
                if pending.startswith(b"+OK\r\n"):
                    pending = pending[5:]
                elif pending.startswith(b"$3\r\ntok\r\n"):
                    pending = pending[9:]
                else:
                    break
                got += 1
    s.sendall(cmd(b"SHUTDOWN", b"NOSAVE"))
    s.close()
    proc.wait(120)
    return total_instructions(out)


def total_instructions(callgrind_out):
    """The run's instruction count (Ir) from a callgrind output file."""
    with open(callgrind_out) as f:
        text = f.read()
    return int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--n", type=int, default=20000)
    a = ap.parse_args()
    for b in a.binaries:
        base = run(b, 0)
        total = run(b, a.n)
        print("%s: workload %d Ir (%.0f Ir per command pair), start-up+shutdown %d Ir"
              % (b, total - base, (total - base) / a.n, base))


if __name__ == "__main__":
    main()
