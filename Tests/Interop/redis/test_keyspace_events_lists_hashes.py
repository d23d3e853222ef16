"""Keyspace notifications from the list, hash and string commands of issue 11, compared with
redis-server: the same commands on both, with notify-keyspace-events KEA and a pattern
subscriber on __keyevent@0__:*, must produce the same events in the same order (LMOVE: the
destination's push before the source's pop and del, as Redis emits them)."""
import redis

from test_differential_redis import pair  # noqa: F401 (fixture)

COMMANDS = [
    ("RPUSH", "l", "a", "b"), ("LPUSH", "l", "z"), ("LPOP", "l"), ("RPOP", "l", "5"), ("RPUSH", "l", "x", "y", "z"),
    ("LSET", "l", "0", "q"), ("LINSERT", "l", "BEFORE", "q", "p"), ("LREM", "l", "0", "y"), ("LTRIM", "l", "0", "1"),
    ("LMOVE", "l", "m", "LEFT", "RIGHT"), ("RPOPLPUSH", "l", "m"), ("LMPOP", "1", "m", "LEFT", "COUNT", "5"),
    ("RPUSH", "t", "1", "2", "3"), ("LTRIM", "t", "5", "9"),
    ("HSET", "h", "f", "1", "g", "2"), ("HSETNX", "h", "k", "v"), ("HINCRBY", "h", "f", "2"),
    ("HINCRBYFLOAT", "h", "f", "1.5"), ("HDEL", "h", "f", "g", "k"),
    ("MSET", "a", "1", "b", "2"), ("APPEND", "a", "x"), ("APPEND", "c", "y"), ("RENAME", "a", "b"),
    ("RENAME", "b", "fresh"), ("MSETNX", "n1", "1"),
]


def events(port):
    r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    r.flushall()
    r.config_set("notify-keyspace-events", "KEA")
    p = r.pubsub()
    p.psubscribe("__keyevent@0__:*")
    p.get_message(timeout=1)
    out = []
    try:
        for c in COMMANDS:
            r.execute_command(*c)
            r.ping()  # a round trip after the command: its events were published before this reply
            while True:
                m = p.get_message(timeout=0.2)
                if not m:
                    break
                out.append((c[0], m["channel"].split(":", 1)[1], m["data"]))
    finally:
        r.config_set("notify-keyspace-events", "")
        p.close()
        r.close()
    return out


def test_list_hash_string_events_match_redis(pair):  # noqa: F811
    a, b = pair
    ours, theirs = events(a.port), events(b.port)
    assert len(theirs) > 30
    assert ours == theirs
