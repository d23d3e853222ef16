"""INFO's error accounting for scripts, against redis-server 7: the same session of EVALs whose
commands fail or are refused inside the script (unknown, wrong arity, not allowed from scripts,
writes from EVAL_RO, errors the command itself returns; through redis.call and redis.pcall; the
error passed on as the script's reply or swallowed; inside MULTI) must leave the same
commandstats (calls, rejected_calls, failed_calls), errorstats and total_error_replies on both.
Redis counts each error once, where it happens: the refused command gets a rejected call, and an
EVAL that passes a command's error on fails without counting the error a second time (the
error table carries ignore_error_stats_update, which scripts can see).
"""
import re

from resp_wire import RawConn
from test_differential_redis import pair  # noqa: F401 (a fixture)

SCRIPTS = [
    ("EVAL", "return redis.call('nosuchcmd')"),
    ("EVAL", "return redis.pcall('nosuchcmd')"),
    ("EVAL", "redis.pcall('nosuchcmd') return 1"),
    ("EVAL", "return redis.call('get')"),
    ("EVAL", "redis.pcall('get') return 1"),
    ("EVAL", "return redis.pcall('blpop', 'k', 0)"),
    ("EVAL", "return redis.call('client', 'list')"),
    ("EVAL", "return redis.call('client', 'nosuchsub')"),
    ("EVAL", "return redis.call('hello')"),
    ("EVAL_RO", "return redis.call('set', 'k', 'v')"),
    ("EVAL_RO", "return redis.pcall('set', 'k', 'v')"),
    ("EVAL", "return redis.call('incr', 's')"),
    ("EVAL", "return redis.pcall('incr', 's')"),
    ("EVAL", "redis.pcall('incr', 's') return 1"),
    ("EVAL", "return {redis.pcall('incr', 's')}"),
    ("EVAL", "return redis.error_reply('MYERR made by the script')"),
    ("EVAL", "error('raised by the script')"),
    ("EVAL", "local t = redis.pcall('incr', 's') return {tostring(t['ignore_error_stats_update']), #t}"),
    # Errors inside the reply: each passed-on one fails the EVAL once more; the script's own
    # are counted in errorstats and fail it once.
    ("EVAL", "return {redis.pcall('incr', 's'), redis.pcall('incr', 's')}"),
    ("EVAL", "return {1, {redis.pcall('incr', 's')}}"),
    ("EVAL", "return {redis.error_reply('X y'), redis.error_reply('Y z')}"),
]


def stats(port):
    with RawConn(port) as c:
        c.cmd("SET", "s", "not a number")
        c.cmd("CONFIG", "RESETSTAT")
        replies = [c.cmd(kind, body, "0").raw for kind, body in SCRIPTS]
        c.cmd("MULTI")
        c.cmd("EVAL", "return redis.call('nosuchcmd')", "0")
        replies.append(c.cmd("EXEC").raw)
        info = c.cmd("INFO", "everything").raw.decode()
    lines = {}
    for line in info.split("\r\n"):
        if line.startswith(("cmdstat_", "errorstat_", "total_error_replies:", "rejected_calls:")):
            key, value = line.split(":", 1)
            if key in ("cmdstat_info", "cmdstat_config|resetstat"):
                continue
            lines[key] = re.sub(r"usec=\d+,usec_per_call=[\d.]+,", "", value)
    return replies, lines


def test_script_errors_are_counted_as_redis_counts_them(pair):
    latchkey, real = pair
    ours, theirs = stats(latchkey.port), stats(real.port)
    assert ours[0] == theirs[0]  # the replies themselves
    assert ours[1] == theirs[1]
    assert theirs[1]["total_error_replies"] not in ("0", None)
