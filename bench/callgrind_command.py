#!/usr/bin/env python3
"""Instructions (callgrind Ir) per command for one RESP command shape, on a loaded machine where
timed runs are noise. The server runs under valgrind --tool=callgrind; N commands are sent
pipelined 100 at a time on one connection, every `RAND` in the arguments replaced by a random
number below 1,000,000 (seeded, so two builds see the same keys); the figure is the whole run's
Ir divided by N (start-up and shutdown included: use N of 30,000 or more). Works for Latchkey and
for redis-server, whose name decides how it is started. Every reply must be one line (+, -, :).

usage: bench/callgrind_command.py BINARY N ARG... e.g.
       bench/callgrind_command.py .build/release/latchkey 50000 HINCRBY hash:RAND field 1
"""
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time


def main():
    binary, n, shape = sys.argv[1], int(sys.argv[2]), [a.encode() for a in sys.argv[3:]]
    rng = random.Random(1)
    d = tempfile.mkdtemp(prefix="latchkey-callgrind-")
    out = os.path.join(d, "callgrind.out")
    port = rng.randrange(20000, 30000)
    if "redis-server" in os.path.basename(binary):
        args = [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", d]
    else:
        args = [binary, "--port", str(port), "--amqp-port", "off", "--bind", "127.0.0.1", "--dir", d,
                "--loglevel", "warning"]
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + args,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s = None
    for _ in range(1200):
        try:
            s = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            time.sleep(0.05)
    if s is None:
        sys.exit("the server did not start on port %d" % port)

    def cmd(args):
        return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)

    for start in range(0, n, 100):
        k = min(n, start + 100) - start
        s.sendall(b"".join(cmd([a.replace(b"RAND", b"%d" % rng.randrange(1000000)) for a in shape])
                           for _ in range(k)))
        buf = b""
        while buf.count(b"\r\n") < k:
            buf += s.recv(1 << 20)
    s.sendall(cmd([b"SHUTDOWN", b"NOSAVE"]))
    s.close()
    proc.wait(120)
    total = int(re.search(r"^(?:summary|totals): (\d+)", open(out).read(), re.M).group(1))
    print("%s: %.0f Ir per command (%s, n=%d); profile %s" % (binary, total / n, " ".join(sys.argv[3:]), n, out))


if __name__ == "__main__":
    main()
