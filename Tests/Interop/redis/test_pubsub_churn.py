"""A seeded churn of pub/sub clients against the server: 24 raw-socket clients (RESP2 and RESP3)
subscribe, unsubscribe, pattern-subscribe, publish, RESET and disconnect abruptly at random, and
after every step the server's PUBSUB NUMSUB / NUMPAT and PUBLISH receiver counts must equal a
model of who listens where. Passes against redis-server and Latchkey alike; a crash, a leaked
subscription of a closed client or a miscount fails it.
"""
import random

import pytest

from resp_wire import RawConn, encode

CHANNELS = ["c%d" % i for i in range(5)]
PATTERNS = ["c*", "c[01]", "x*"]


class Client:
    def __init__(self, port, resp3):
        self.conn = RawConn(port)
        self.resp3 = resp3
        if resp3:
            self.conn.cmd("HELLO", "3")
        self.channels, self.patterns = set(), set()

    def call(self, *args, replies=1):
        self.conn.send(encode(*args))
        return [self.conn.read() for _ in range(replies)]


def matching(pattern, channel):
    import fnmatch
    return fnmatch.fnmatchcase(channel, pattern)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_churn_keeps_counts_exact(server, seed):
    rng = random.Random(seed)
    admin = RawConn(server.port)
    clients = []
    pending = {}  # client -> messages it has not read yet
    for step in range(1500):
        op = rng.random()
        if op < 0.15 or not clients:
            c = Client(server.port, resp3=rng.random() < 0.5)
            clients.append(c)
            pending[c] = 0
        elif op < 0.35:
            c = rng.choice(clients)
            names = rng.sample(CHANNELS, rng.randint(1, 2))
            c.call("SUBSCRIBE", *names, replies=len(names) + pending[c])
            pending[c] = 0
            c.channels.update(names)
        elif op < 0.45:
            c = rng.choice(clients)
            p = rng.choice(PATTERNS)
            c.call("PSUBSCRIBE", p, replies=1 + pending[c])
            pending[c] = 0
            c.patterns.add(p)
        elif op < 0.55:
            c = rng.choice(clients)
            if c.channels:
                name = rng.choice(sorted(c.channels))
                c.call("UNSUBSCRIBE", name, replies=1 + pending[c])
                pending[c] = 0
                c.channels.discard(name)
        elif op < 0.62:
            c = rng.choice(clients)
            c.call("RESET", replies=1 + pending[c])
            pending[c] = 0
            c.channels.clear()
            c.patterns.clear()
        elif op < 0.72:
            c = clients.pop(rng.randrange(len(clients)))
            del pending[c]
            c.conn.close()  # abrupt: unread messages and all
            # The server notices the close asynchronously; wait until it has, so the model holds.
            for _ in range(500):
                listed = admin.cmd("CLIENT", "LIST").value.count(b"\n")
                if listed == len(clients) + 1:
                    break
            assert listed == len(clients) + 1, "step %d: closed client still listed" % step
        else:
            ch = rng.choice(CHANNELS)
            want = 0
            for c in clients:
                n = (ch in c.channels) + sum(matching(p, ch) for p in c.patterns)
                pending[c] += n
                want += n
            got = admin.cmd("PUBLISH", ch, "m%d" % step).value
            assert got == want, "step %d: PUBLISH %s reached %d, model says %d" % (step, ch, got, want)
        if step % 25 == 0:
            # Closed clients must have been forgotten; the server sees the close asynchronously,
            # so poll until its counts match the model (they must, within the bound).
            want = [x for ch in CHANNELS for x in (ch.encode(), sum(ch in c.channels for c in clients))]
            for _ in range(200):
                got = admin.cmd("PUBSUB", "NUMSUB", *CHANNELS).value
                if got == want:
                    break
            assert got == want, "step %d" % step
            pats = {p for c in clients for p in c.patterns}
            for _ in range(200):
                if admin.cmd("PUBSUB", "NUMPAT").value == len(pats):
                    break
            assert admin.cmd("PUBSUB", "NUMPAT").value == len(pats)
    for c in clients:
        c.conn.close()
    admin.close()
