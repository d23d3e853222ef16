"""The AMQP differential: every scripted session in differential_scripts.py, against RabbitMQ and Latchkey.

Both servers run side by side (the `rabbitmq` and `latchkey` fixtures of conftest.py: a private
RabbitMQ node from rabbitmq_server.py, or LATCHKEY_RABBITMQ_ADDR=host:port; the suite's Latchkey). Each script's two
transcripts must be equal step by step: method names, every field value, reply codes and texts,
frame order within a channel, EOFs. The only tolerated differences are in ALLOWED below, each one
documented in docs/amqp.md ("Differential allow-list"). Without rabbitmq-server installed the
suite is skipped, except under CI=true, where that is a failure.
"""
import pprint

import pytest

import differential_scripts
from amqp_session import Session

# script name -> why its difference is accepted (see docs/amqp.md, "Differential allow-list").
# Each entry is (step label, a function(rabbit_entries, latchkey_entries) -> True when the difference
# is the documented one).
def _confirms_cut_short(rabbit, latch):
    """RabbitMQ drops the confirms it had not sent yet when connection.close arrives in the same
    read as the publishes (how many is timing); Latchkey confirms every publish it accepted.
    Allowed when all else is equal and RabbitMQ's acks are a prefix of Latchkey's."""
    def split(entries):
        rest = [e for e in entries if not (isinstance(e, tuple) and e[2] == "confirms")]
        acked = [t for e in entries if isinstance(e, tuple) and e[2] == "confirms" for t in e[3].get("acked", [])]
        return rest, acked
    r_rest, r_acked = split(rabbit)
    l_rest, l_acked = split(latch)
    return r_rest == l_rest and l_acked[:len(r_acked)] == r_acked


def _channel_close_ok_superseded(rabbit, latch):
    """channel.close then connection.close in one write: RabbitMQ's connection close overtakes
    the channel's close-ok, which is never sent; Latchkey answers both in order. Allowed when
    removing Latchkey's channel.close-ok leaves RabbitMQ's transcript."""
    return [e for e in latch if not (isinstance(e, tuple) and e[2] == "channel.close-ok")] == rabbit


ALLOWED = {
    "publish_then_close": {"20 confirmed publishes then connection.close in one write": _confirms_cut_short},
    "concurrent_close": {"channel.close and connection.close in one write": _channel_close_ok_superseded},
}


def run(addr, fn):
    s = Session(*addr)
    try:
        fn(s)
    finally:
        s.close()
    return s.transcript


def differences(name, rabbit, latch):
    out = []
    for i in range(max(len(rabbit), len(latch))):
        r = rabbit[i] if i < len(rabbit) else ("<missing step>", [])
        l = latch[i] if i < len(latch) else ("<missing step>", [])
        if r == l:
            continue
        allowed = ALLOWED.get(name, {}).get(r[0])
        if allowed and allowed(r[1], l[1]):
            continue
        out.append("step %d %s\n  rabbitmq: %s\n  latchkey: %s" % (
            i, r[0], pprint.pformat(r[1], width=150), pprint.pformat(l[1], width=150)))
    return out


@pytest.mark.parametrize("name", sorted(differential_scripts.SCRIPTS))
def test_differential(name, rabbitmq, latchkey):
    fn = differential_scripts.SCRIPTS[name]
    latch = run(latchkey, fn)
    # RabbitMQ sends some frames from other processes (queue, writer) than the one answering the
    # barrier, so on a loaded machine one may land a step late. A real difference shows in every
    # run; a script that differs is therefore replayed against RabbitMQ up to twice more.
    for _ in range(3):
        rabbit = run(rabbitmq, fn)
        diffs = differences(name, rabbit, latch)
        if not diffs:
            break
    assert not diffs, "%s: Latchkey differs from RabbitMQ\n%s" % (name, "\n".join(diffs))


def test_server_properties_like_rabbitmq(rabbitmq, latchkey):
    """connection.start: same field names (plus latchkey_version), product and major.minor
    version, mechanisms and locales; Latchkey's capabilities are a subset of RabbitMQ's, and the
    ones it leaves out are exactly the documented ones (docs/amqp.md, Server identity)."""
    starts = []
    for addr in (rabbitmq, latchkey):
        s = Session(*addr)
        try:
            starts.append(s.connect_start()[1])
        finally:
            s.close()
    r, l = starts
    rp, lp = r["server-properties"], l["server-properties"]
    assert set(lp) == set(rp) | {"latchkey_version"}
    assert lp["product"] == rp["product"] == "RabbitMQ"
    assert lp["version"].split(".")[:2] == rp["version"].split(".")[:2] == ["3", "10"]
    assert set(rp["capabilities"]) - set(lp["capabilities"]) == {"consumer_priorities"}
    assert all(rp["capabilities"][k] == v for k, v in lp["capabilities"].items())
    assert (l["mechanisms"], l["locales"], l["version-major"], l["version-minor"]) == (
        r["mechanisms"], r["locales"], r["version-major"], r["version-minor"])
