"""Provisional fixture numbers for docs/benchmarks.md: spawn-to-ready (both listeners), LATCHKEY
RESET round trips on an empty and on a loaded server, and the pytest plugin's per-test overhead;
redis-server's start-up beside them (RabbitMQ's with --rabbitmq). Medians of short runs: the
machine is shared, so read them as orders of magnitude.

usage: python3 bench/fixture_numbers.py BINARY [--rabbitmq]
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def spawn_to_ready(binary):
    d = tempfile.mkdtemp(prefix="lk-bench-")
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "--port", "0", "--amqp-port", "0", "--bind", "127.0.0.1", "--amqp-bind",
                          "127.0.0.1", "--dir", d, "--enable-test-commands", "yes", "--loglevel", "warning"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in p.stdout:
        if line.startswith(b"Ready to accept connections"):
            break
    elapsed = time.perf_counter() - t0
    port = int(line.split(b"resp=127.0.0.1:")[1].split()[0].split(b",")[0])
    amqp = int(line.split(b"amqp=127.0.0.1:")[1].split()[0].split(b",")[0])
    return elapsed, p, port, amqp


def redis_ready():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = tempfile.mkdtemp(prefix="redis-bench-")
    t0 = time.perf_counter()
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", d],
                         stdout=subprocess.PIPE)
    for line in p.stdout:
        if b"Ready to accept connections" in line:
            break
    elapsed = time.perf_counter() - t0
    p.terminate()
    p.wait()
    return elapsed


class RESP:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call(self, *args):
        self.s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
        return self.s.recv(65536)


def load(port, amqp_port, keys, queues, messages):
    c = RESP(port)
    for start in range(0, keys, 1000):
        batch = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n" % (len(k), k)
                         for k in (b"key:%d" % i for i in range(start, min(keys, start + 1000))))
        c.s.sendall(batch)
        want = min(keys, start + 1000) - start
        got = b""
        while got.count(b"+OK\r\n") < want:
            got += c.s.recv(1 << 20)
    import pika
    conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", amqp_port))
    ch = conn.channel()
    for q in range(queues):
        name = "q%d" % q
        ch.queue_declare(name, durable=True)
        for _ in range(messages):
            ch.basic_publish("", name, b"m" * 100)
    conn.close()
    c.s.close()


def main():
    binary = sys.argv[1]
    rows = []
    runs = []
    for _ in range(20):
        elapsed, p, port, amqp = spawn_to_ready(binary)
        runs.append(elapsed)
        p.terminate()
        p.wait()
    rows.append(("latchkey spawn-to-ready (RESP + AMQP), median of 20", statistics.median(runs) * 1000, "ms"))
    rows.append(("redis-server spawn-to-ready, median of 20",
                 statistics.median(redis_ready() for _ in range(20)) * 1000, "ms"))
    if "--rabbitmq" in sys.argv:
        sys.path.insert(0, os.path.join(REPO, "Tests", "Interop", "amqp"))
        from rabbitmq_server import RabbitMQServer
        r = RabbitMQServer().start()
        rows.append(("rabbitmq-server spawn-to-first-handshake, 1 run", r.startup_seconds * 1000, "ms"))
        r.stop()
    _, p, port, amqp = spawn_to_ready(binary)
    c = RESP(port)
    times = []
    for _ in range(2000):
        t0 = time.perf_counter()
        c.call(b"LATCHKEY", b"RESET")
        times.append(time.perf_counter() - t0)
    rows.append(("LATCHKEY RESET round trip, empty server, median of 2000", statistics.median(times) * 1e6, "µs"))
    times = []
    for _ in range(100):
        t0 = time.perf_counter()
        c.call(b"PING")
        times.append(time.perf_counter() - t0)
    rows.append(("PING round trip on the same connection (the floor), median of 100", statistics.median(times) * 1e6, "µs"))
    times = []
    for _ in range(3):
        load(port, amqp, 100000, 10, 1000)
        t0 = time.perf_counter()
        c.call(b"LATCHKEY", b"RESET")
        times.append(time.perf_counter() - t0)
    rows.append(("LATCHKEY RESET round trip, 100,000 keys + 10 queues x 1,000 messages, median of 3",
                 statistics.median(times) * 1000, "ms"))
    p.terminate()
    p.wait()
    rows.append(plugin_overhead(binary))
    for name, value, unit in rows:
        print("| %s | %.3g %s |" % (name, value, unit))


def plugin_overhead(binary, n=200):
    d = tempfile.mkdtemp(prefix="lk-plugin-bench-")
    with open(os.path.join(d, "test_plain.py"), "w") as f:
        f.write("".join("def test_%d():\n    pass\n" % i for i in range(n)))
    with open(os.path.join(d, "test_fixture.py"), "w") as f:
        f.write("def test_warm(latchkey):\n    pass\n" + "".join("def test_%d(latchkey):\n    pass\n" % i for i in range(n)))
    env = dict(os.environ, LATCHKEY_BIN=binary,
               PYTHONPATH=os.path.join(REPO, "python", "latchkey", "src"))

    def timed(name):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "latchkey.pytest_plugin", "-p", "no:cacheprovider",
                        os.path.join(d, name)], env=env, check=True, capture_output=True)
        return time.perf_counter() - t0

    plain = statistics.median(timed("test_plain.py") for _ in range(3))
    fixture = statistics.median(timed("test_fixture.py") for _ in range(3))
    # Subtracting the plain run removes pytest's own start-up; what is left is the server start
    # (once) plus the reset and fixture set-up of each test.
    return ("pytest plugin: per-test overhead of the `latchkey` fixture (incl. one server start / %d tests)" % n,
            (fixture - plain) / n * 1e6, "µs")


if __name__ == "__main__":
    main()
