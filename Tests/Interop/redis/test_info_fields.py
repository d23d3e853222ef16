"""INFO fidelity: the sections and field names Latchkey prints are redis-server 7.0's, section by
section (`INFO everything` after the same traffic on both), and section selection (`default`,
`all`, several names, unknown names) picks the same sections in the same order. Values are not
compared (they are counters and addresses), but their shape is where clients parse them.
redis-py's own test session start (its conftest reads INFO) is reproduced at the end.

The only field-name differences allowed are listed in ALLOWED and in docs/resp.md.
"""
import pytest

from redis_support import differential_pair, make_client, target_is_redis
from resp_wire import RawConn

# Fields Latchkey adds (Latchkey's own version) and Redis-only lines Latchkey does not print
# (latency percentiles are not measured). Both are documented in docs/resp.md.
ALLOWED_EXTRA = {"Server": {"latchkey_version"}}
ALLOWED_MISSING_SECTIONS_LINES = {"Latencystats"}


@pytest.fixture(scope="module")
def pair():
    a, b = differential_pair()
    yield a, b
    a.stop()
    b.stop()


def traffic(server):
    with RawConn(server.port) as c:
        c.cmd("FLUSHALL")
        c.cmd("CONFIG", "RESETSTAT")
        c.cmd("SET", "k", "v", "PX", "100000")
        c.cmd("GET", "k")
        c.cmd("GET", "missing")
        c.cmd("INCR", "k")  # an error reply (not an integer)
        c.cmd("GET")  # rejected: arity
        c.cmd("EVAL", "return 1", "0")
        c.cmd("PUBLISH", "c", "m")
        c.cmd("SELECT", "2")
        c.cmd("SET", "other", "v")
        return c.cmd("INFO", "everything").value


def sections(text):
    out, name = {}, None
    for line in text.decode().split("\r\n"):
        if line.startswith("# "):
            name = line[2:]
            out[name] = []
        elif line and name is not None:
            out[name].append(line)
    return out


def names(lines):
    return [l.split(":", 1)[0] for l in lines]


def test_info_everything_has_redis_sections_and_field_names(pair):
    mine, theirs = (sections(traffic(s)) for s in pair)
    assert list(mine) == list(theirs)
    for section, lines in theirs.items():
        if section in ("Commandstats", "Errorstats", "Keyspace"):
            continue
        if section in ALLOWED_MISSING_SECTIONS_LINES and not target_is_redis():
            assert mine[section] == []
            continue
        extra = ALLOWED_EXTRA.get(section, set()) if not target_is_redis() else set()
        got = [n for n in names(mine[section]) if n not in extra]
        if section == "Latencystats":  # Redis prints these in hash order
            got, lines = sorted(got), sorted(lines)
        assert got == names(lines), section
    # The counters name the same commands and error codes, with the same fields per line.
    def keyed(lines):
        return {l.split(":", 1)[0]: [kv.split("=")[0] for kv in l.split(":", 1)[1].split(",")] for l in lines}
    assert keyed(mine["Commandstats"]) == keyed(theirs["Commandstats"])
    assert keyed(mine["Errorstats"]) == keyed(theirs["Errorstats"])
    assert keyed(mine["Keyspace"]) == keyed(theirs["Keyspace"])


def test_info_counters_agree(pair):
    mine, theirs = (sections(traffic(s)) for s in pair)

    def stat(sec, field):
        return dict(l.split(":", 1) for l in sec)[field]
    for field in ("keyspace_hits", "keyspace_misses", "total_error_replies", "pubsub_channels"):
        assert stat(mine["Stats"], field) == stat(theirs["Stats"], field), field
    assert mine["Errorstats"] == theirs["Errorstats"]
    cmd = lambda secs: sorted(l.split(",usec=")[0] + "," + l.split(",", 3)[3] for l in secs["Commandstats"])
    assert cmd(mine) == cmd(theirs)
    assert mine["Keyspace"] == theirs["Keyspace"] or [l.split(",avg_ttl")[0] for l in mine["Keyspace"]] == \
        [l.split(",avg_ttl")[0] for l in theirs["Keyspace"]]
    assert stat(mine["Cluster"], "cluster_enabled") == "0"


@pytest.mark.parametrize("args", [(), ("default",), ("all",), ("everything",), ("server", "clients"),
                                  ("CPU", "server"), ("commandstats",), ("modules",), ("bogus",),
                                  ("server", "bogus"), ("default", "commandstats"), ("cluster",),
                                  ("keyspace",), ("errorstats", "latencystats")])
def test_info_section_selection(pair, args):
    got = []
    for s in pair:
        with RawConn(s.port) as c:
            c.cmd("SET", "k", "v")
            text = c.cmd("INFO", *args).value
        got.append([l for l in text.split(b"\r\n") if l.startswith(b"# ")])
    assert got[0] == got[1]


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_session_start_reads_info(pair, protocol):
    """What redis-py's tests/conftest.py pytest_sessionstart does before any test runs."""
    import redis
    server = pair[0]
    client = make_client(server, protocol=protocol)
    info = client.info()
    assert isinstance(info["redis_version"], str) and info["redis_version"].count(".") == 2
    assert info["arch_bits"] == 64
    assert info["cluster_enabled"] == 0
    with pytest.raises(redis.ResponseError):
        client.execute_command("DPING")
    everything = client.info("everything")
    assert everything["used_cpu_sys"] >= 0 and isinstance(everything["used_memory"], int)
    assert "cmdstat_info" in everything or "cmdstat_info" in str(everything)
    assert client.info("cluster") == {"cluster_enabled": 0}
    client.close()


def test_reported_version_is_the_verified_one(pair):
    """Latchkey reports the redis-server version its behaviour is compared with."""
    mine, theirs = pair
    with RawConn(mine.port) as a, RawConn(theirs.port) as b:
        va = dict(l.split(b":", 1) for l in a.cmd("INFO", "server").value.split(b"\r\n")[1:] if b":" in l)
        vb = dict(l.split(b":", 1) for l in b.cmd("INFO", "server").value.split(b"\r\n")[1:] if b":" in l)
    assert va[b"redis_version"] == vb[b"redis_version"]
