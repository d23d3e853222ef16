"""Hostile Lua, differential: the EVALs that crashed, leaked or hijacked Latchkey (issue 16 items
1, 2, 6, 7, 8, 10; issue 15 items 1 and 4) and the edges around them, each with the exact RESP2
reply redis-server 7.0.15 gives (recorded from it; `LATCHKEY_TARGET=redis` checks the table
still holds). Tests marked latchkey_only cover Latchkey's own lua-memory-limit and its busy path
inside library calls, where redis-server has no equivalent (it hangs in the same call).
"""
import os
import threading
import time

import pytest

from redis_support import start_server, target_is_redis
from resp_wire import RawConn

latchkey_only = pytest.mark.skipif(target_is_redis(), reason="Latchkey-only: lua-memory-limit / busy path")

# (script, the reply redis-server 7.0.15 sends, byte for byte). The SHA1 in error texts is the
# script's own, so the bytes are the same on any server that gets them right.
EXPECTED = [
    ("return redis.log(0/0,'x')",
     b'-ERR Invalid debug level. script: 71a41c5ad3849f3953b0caa2d077ee4b76c88044, on @user_script:1.\r\n'),
    ("return redis.log(1e300,'x')",
     b'-ERR Invalid debug level. script: bef6a03127a7195034bd79ed64438fb1d65ed3e8, on @user_script:1.\r\n'),
    ("return redis.log(-1e300,'x')",
     b'-ERR Invalid debug level. script: 615ecb431813e4ff94314c358f1e017a5e04417e, on @user_script:1.\r\n'),
    ("return redis.log(2.9,'x')",
     b'$-1\r\n'),
    ("return redis.log(-0.5,'x')",
     b'$-1\r\n'),
    ('return bit.tohex(1,-2147483648)',
     b'$8\r\n00000001\r\n'),
    ('return bit.tohex(65535,2^31)',
     b'$8\r\n0000FFFF\r\n'),
    ('return bit.tohex(65535,0/0)',
     b'$0\r\n\r\n'),
    ('return bit.tohex(255,-3)',
     b'$3\r\n0FF\r\n'),
    ('return bit.tobit(1e300)',
     b':-2013235812\r\n'),
    ('return bit.lshift(1,0/0)',
     b':1\r\n'),
    ("return struct.unpack('b','x',0/0)",
     b"-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: ccd08ff7471af272cf8d91bc7e99d8bf261e2086, on @user_script:1.\r\n"),
    ("return struct.unpack('b','x',1e300)",
     b"-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 7356c32434dca6ff2057a9ad89c79bfe03f82d1e, on @user_script:1.\r\n"),
    ("return struct.unpack('b','x',-1e300)",
     b"-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 2802f750108e0b156f0a039b9eef338cac664d9a, on @user_script:1.\r\n"),
    ("return struct.unpack('b','x',2^40)",
     b"-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 86b8445ae91b8d4555af5398176605a655a8b3d1, on @user_script:1.\r\n"),
    ("return struct.unpack('b','x',2^64)",
     b"-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 04aa15574458d93c220b22326a84029dc0b44630, on @user_script:1.\r\n"),
    ("return struct.unpack('b','x',0)",
     b"-ERR user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater) script: 80888e7cd7a731ee3e3746102e7ad7b2c6edd6ca, on @user_script:1.\r\n"),
    ("return struct.unpack('b','x','y')",
     b"-ERR user_script:1: bad argument #3 to 'unpack' (number expected, got string) script: 6fd618eb3a4dafd13f053bc327c1760122c266f1, on @user_script:1.\r\n"),
    ("return struct.unpack('dc0',struct.pack('d',1e300)..'abc')",
     b'$0\r\n\r\n'),
    ("return struct.unpack('dc0',struct.pack('d',0/0)..'abc')",
     b"-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: e011440c47e57f29ef3554cdf5471d3cf802b0e2, on @user_script:1.\r\n"),
    ("return struct.unpack('dc0',struct.pack('d',-1)..'abc')",
     b"-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 01de0f32ff2bc6676bfab3df7f76b4ce55f8e527, on @user_script:1.\r\n"),
    ("return struct.unpack('dc0',struct.pack('d',2^63)..'abc')",
     b"-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 7c21fe40ba44a6a98d6e423b99f5628ed0343229, on @user_script:1.\r\n"),
    ("return struct.unpack('dc0',struct.pack('d',1.5)..'abc')",
     b'$1\r\na\r\n'),
    ("return {struct.unpack('i9', string.rep('\\255', 9))}",
     b'*2\r\n:-1\r\n:10\r\n'),
    ("return {struct.unpack('>i12', string.rep('\\1', 12))}",
     b'*2\r\n:-2130640639\r\n:13\r\n'),
    ("return struct.pack('i',0/0)",
     b'$4\r\n\x00\x00\x00\x00\r\n'),
    ("return struct.pack('i',1e300)",
     b'$4\r\n\x00\x00\x00\x00\r\n'),
    ("return struct.pack('i',-1e300)",
     b'$4\r\n\x00\x00\x00\x00\r\n'),
    ("return struct.pack('I8',2^63)",
     b'$8\r\n\x00\x00\x00\x00\x00\x00\x00\x80\r\n'),
    ("return struct.pack('I8',2^64)",
     b'$8\r\n\x00\x00\x00\x00\x00\x00\x00\x00\r\n'),
    ("return struct.pack('i8',0/0)",
     b'$8\r\n\x00\x00\x00\x00\x00\x00\x00\x80\r\n'),
    ("return struct.pack('>I16',-1)",
     b'$16\r\n\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\r\n'),
    ("return struct.size('i2147483648')",
     b'-ERR user_script:1: integral size overflow script: 6858e28079cd1b07ed3404f983c8e9c840e79f8b, on @user_script:1.\r\n'),
    ("return struct.size('c2147483647c2147483647c2147483647')",
     b':6442450941\r\n'),
    ("return cmsgpack.unpack_one('\\1',1e300)",
     b'-ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 1. script: f44198df04a5c279952b6b43495d5d876d8a0c06, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack_one('\\1',0/0)",
     b'-ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 1. script: 7411d3b1f4233b20c46dce66fed71158b935e20d, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack_one('\\1',-1e300)",
     b'-ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 1. script: be518e1eca121177b82f09dc46a6a0ad0fdd0100, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack_one('\\1',2^40)",
     b'-ERR user_script:1: Start offset 0 greater than input length 1. script: c24b326f0272240e74f12bfdd567d5a3f47de636, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack_one('\\1\\2',2^32+1)",
     b'-ERR user_script:1: Start offset 1 greater than input length 2. script: a4a082adc895708d77a48e88a6f2531970911723, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack_one('\\1\\2',1.5)",
     b':-1\r\n'),
    ("return cmsgpack.unpack_limit('\\1\\2',0/0)",
     b'-ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 2. script: 70345d36c77422ace1f3cb7931b3a5ecb08d6360, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack_limit('\\1\\2',2^40)",
     b':-1\r\n'),
    ("return cmsgpack.unpack_limit('\\1\\2',1e300)",
     b'-ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 2. script: 3513b9b10aa577485291c93adee48214a809e3f4, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack_limit('\\1\\2',-1)",
     b'-ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 2. script: b74f353c76d2e6e3b4fe7d887222129f60640e27, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack_limit('\\1\\2',1,0/0)",
     b'-ERR user_script:1: Invalid request to unpack with offset of 0 and limit of 2. script: 628b15d3d33b79eaefb1de879a969110a2d94cf3, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack_limit('\\1\\2',1,2^40)",
     b'-ERR user_script:1: Start offset 0 greater than input length 2. script: 7f7495beb3fb9a644d67e6955cc7dde30fd492c7, on @user_script:1.\r\n'),
    ("return {cmsgpack.unpack_limit('\\1\\2\\3',0)}",
     b'*3\r\n:1\r\n:2\r\n:3\r\n'),
    ("return {cmsgpack.unpack_limit('\\1\\2\\3',0,1)}",
     b'*1\r\n:1\r\n'),
    ("return {cmsgpack.unpack_limit('\\1\\2\\3',2^40,1)}",
     b'*3\r\n:-1\r\n:2\r\n:3\r\n'),
    ("return cmsgpack.unpack('\\221\\255\\255\\255\\255')",
     b'-ERR user_script:1: Missing bytes in input. script: d927de6b02ace026366ff615f6b86eded580403b, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack('\\129\\203\\127\\248\\0\\0\\0\\0\\0\\0\\1\\1')",
     b'-ERR table index is NaN script: eff7f88e59713634e63c31bc4602353c211b89ad, on @user_script:1.\r\n'),
    ("return cmsgpack.unpack('\\129\\192\\1')",
     b'-ERR table index is nil script: fc5ecea28c7c4519bafde8e9710d8f45499f865b, on @user_script:1.\r\n'),
    ("return {pcall(cmsgpack.unpack,'\\129\\203\\127\\248\\0\\0\\0\\0\\0\\0\\1\\1')}",
     b'*2\r\n$-1\r\n$18\r\ntable index is NaN\r\n'),
    ("return #cmsgpack.unpack(string.rep('\\145', 5000)..'\\1')",
     b'-ERR user_script:1: stack overflow (in function mp_decode_to_lua_array) script: 0601fded2e433c477dc52d6705d8f986bf193128, on @user_script:1.\r\n'),
    ("return select('#', cmsgpack.unpack(string.rep('\\1', 10000)))",
     b'-ERR user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.) script: 13afbfef3a06b7babb0256ab6903af70f31476cd, on @user_script:1.\r\n'),
    ('return unpack({1,2},2^31)',
     b'-ERR user_script:1: too many results to unpack script: faacc584593b5df68790f8f8bcc9c42185c8ab1d, on @user_script:1.\r\n'),
    ('return unpack({1,2},1,2^31)',
     b'$-1\r\n'),
    ('return unpack({1,2},-2^31,2)',
     b'-ERR user_script:1: too many results to unpack script: 4907e8708b6eae34ea082b60a78cb17171e7329e, on @user_script:1.\r\n'),
    ('return unpack({1,2},0/0)',
     b'$-1\r\n'),
    ('return unpack({1,2},1,1e300)',
     b'$-1\r\n'),
    ('return unpack({1,2},1,1e6)',
     b'-ERR user_script:1: too many results to unpack script: 1d98ea4f584f7f9215501c7eccdc30842aeab78f, on @user_script:1.\r\n'),
    ('return unpack({1,2},2^32+1)',
     b':1\r\n'),
    ('return {unpack({1,2,3},2)}',
     b'*2\r\n:2\r\n:3\r\n'),
    ("return {unpack({1,2,3},'2','3')}",
     b'*2\r\n:2\r\n:3\r\n'),
    ("return unpack({1,2},'x')",
     b"-ERR user_script:1: bad argument #2 to 'unpack' (number expected, got string) script: 598a220fc80981690ab420d68526664624b7b551, on @user_script:1.\r\n"),
    ("return unpack('x')",
     b"-ERR user_script:1: bad argument #1 to 'unpack' (table expected, got string) script: 8f6f246b7007720fc94d263452c67db49f504dd9, on @user_script:1.\r\n"),
    ('return unpack()',
     b"-ERR user_script:1: bad argument #1 to 'unpack' (table expected, got no value) script: 93b21496134e25d14acc217e82ee755627640c04, on @user_script:1.\r\n"),
    ("return select('#', unpack({}, 1, 7000))",
     b':7000\r\n'),
    ("return select('#', unpack({}, 1, 8000))",
     b'-ERR user_script:1: too many results to unpack script: b1b1462f48e7f60abfda09e3ff2f43e9ad75353b, on @user_script:1.\r\n'),
    ('return f_e0e1f9fabfc9d4800c877a703b823ac0578ff8db',
     b"-ERR user_script:1: Script attempted to access nonexistent global variable 'f_e0e1f9fabfc9d4800c877a703b823ac0578ff8db' script: 4fe8b20080a18ae33ef91c2176bd26295100177a, on @user_script:1.\r\n"),
    ("return rawget(_G, 'f_e0e1f9fabfc9d4800c877a703b823ac0578ff8db')",
     b'$-1\r\n'),
    ("getmetatable('').__index = {} return 1",
     b'-ERR user_script:1: Attempt to modify a readonly table script: 716a21007924fae49ea28d0e4f50543203b3fdf2, on @user_script:1.\r\n'),
    ("local mt = getmetatable('') mt.__index.upper = nil return 1",
     b'-ERR user_script:1: Attempt to modify a readonly table script: 2e2f99f75dcb2d40c65f9a25aeda54ff37d39826, on @user_script:1.\r\n'),
    ("return string.upper('a')",
     b'$1\r\nA\r\n'),
    ('\x1bLua return 1',
     b"-ERR Error compiling script (new function): user_script:1: unexpected symbol near 'char(27)'\r\n"),
    ("return loadstring('\\27Lua')",
     b'$-1\r\n'),
    ('return KEYS[1] == nil and ARGV[1] == nil',
     b':1\r\n'),
    ("return struct.size('=i3')",
     b"-ERR user_script:1: bad argument #1 to 'size' (invalid format option '=') script: 6d418f2f8799dde662856614ce53403167c07822, on @user_script:1.\r\n"),
    ("return struct.pack('xf>=', 3, nil)",
     b"-ERR user_script:1: bad argument #1 to 'pack' (invalid format option '=') script: 51ff5499bea17de22f05cb84c24df143eecc9c61, on @user_script:1.\r\n"),
    ('return bit.lshift(1/0)',
     b"-ERR user_script:1: bad argument #2 to 'lshift' (number expected, got no value) script: 36c3dfd1be5cf31da8b6dc0ec075392fea16115f, on @user_script:1.\r\n"),
    ('return bit.rol(7)',
     b"-ERR user_script:1: bad argument #2 to 'rol' (number expected, got no value) script: ab8df74e37a3995a22d77f1fd6d7d284ff624040, on @user_script:1.\r\n"),
    ('return {pcall(bit.band, {})}',
     b"*2\r\n$-1\r\n$51\r\nbad argument #1 to '?' (number expected, got table)\r\n"),
    ("return {cmsgpack.unpack('\\196\\1x')}",
     b'-ERR user_script:1: Bad data format in input. script: f20b18065151da3a4d127ee00ce1467bc512413e, on @user_script:1.\r\n'),
    ("return {cmsgpack.unpack('\\207\\204\\211\\51\\53\\186\\180\\179\\202')}",
     b'*1\r\n:-3687547364027616256\r\n'),
    ("return redis.log('10', 'fuzz')",
     b'-ERR Invalid debug level. script: c49fbc278c5c3e8d174f0904aa16a53524150c31, on @user_script:1.\r\n'),
    ('return {pcall(redis.set_repl, 3, 1)}',
     b'*2\r\n$-1\r\n$44\r\nERR redis.set_repl() requires two arguments.\r\n'),
    ('return {pcall(redis.set_repl, 2^31)}',
     b'*2\r\n$-1\r\n$81\r\nERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.\r\n'),
    ('return {pcall(redis.set_repl, -1)}',
     b'*2\r\n$-1\r\n$81\r\nERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.\r\n'),
    ('return {pcall(redis.set_repl, 3)}',
     b'*1\r\n:1\r\n'),
    ("return {pcall(struct.size, 'i\\255')}",
     b"*2\r\n$-1\r\n$50\r\nbad argument #1 to '?' (invalid format option '\xff')\r\n"),
]


@pytest.fixture(scope="module")
def shared():
    s = start_server()
    yield s
    s.stop()


@pytest.mark.parametrize("script,expected", EXPECTED, ids=[c[:60] for c, _ in EXPECTED])
def test_lua_edge_reply_matches_redis(shared, script, expected):
    with RawConn(shared.port) as c:
        assert c.cmd("EVAL", script, "0").raw == expected
        # The server is still there and the next script runs normally.
        assert c.cmd("EVAL", "return 'alive'", "0").raw == b"$5\r\nalive\r\n"


def test_argv_metatable_does_not_reach_the_next_script(shared):
    """Issue 16 item 6: a metatable set on ARGV by one client must not run in another's script."""
    with RawConn(shared.port) as a, RawConn(shared.port) as b:
        a.cmd("DEL", "stolen")
        hijack = ("setmetatable(ARGV,{__index=function(t,k) redis.call('SET','stolen',table.concat(t,',')) "
                  "return 'x' end}) rawset(KEYS, 'extra', 1) return 1")
        assert a.cmd("EVAL", hijack, "0").raw == b":1\r\n"
        r = b.cmd("EVAL", "return {ARGV[1], ARGV[2] or '30000', KEYS.extra or 'none'}", "0", "token123")
        assert r.raw == b"*3\r\n$8\r\ntoken123\r\n$5\r\n30000\r\n$4\r\nnone\r\n"
        assert a.cmd("EXISTS", "stolen").raw == b":0\r\n"
        assert b.cmd("EVAL", "return getmetatable(ARGV) == nil and getmetatable(KEYS) == nil", "0").raw == b":1\r\n"


def test_cached_scripts_are_not_globals_of_other_scripts(shared):
    """Issue 16 item 6: Redis 7 keeps compiled scripts out of the globals; so does Latchkey."""
    with RawConn(shared.port) as c:
        sha = c.cmd("SCRIPT", "LOAD", "return 'mine'").value.decode()
        r = c.cmd("EVAL", "return type(rawget(_G, 'f_%s'))" % sha, "0")
        assert r.raw == b"$3\r\nnil\r\n"
        r = c.cmd("EVAL", "f_%s = function() return 'replaced' end return 1" % sha, "0")
        assert r.is_error
        assert c.cmd("EVALSHA", sha, "0").raw == b"$4\r\nmine\r\n"


# (script, redis-server 7.0.15's RESP3 reply). The verbatim text is length-prefixed, so its
# CR/LF stay (they are not a line); every line type has them turned into spaces.
RESP3_LINES = [
    ("return {big_number='12\\r\\n+FORGED'}",
     b'(12  +FORGED\r\n'),
    ("return {ok='fine\\r\\n+FORGED'}",
     b'+fine  +FORGED\r\n'),
    ("return {err='bad\\r\\n+FORGED'}",
     b'-bad  +FORGED\r\n'),
    ("return redis.status_reply('a\\nb\\rc')",
     b'+a b c\r\n'),
    ("return redis.error_reply('E a\\r\\n+FORGED')",
     b'-E a  +FORGED\r\n'),
    ('return {double=1.5}',
     b',1.5\r\n'),
    ("return {verbatim_string={format='txt', string='a\\r\\n+FORGED'}}",
     b'=14\r\ntxt:a\r\n+FORGED\r\n'),
]


@pytest.mark.parametrize("script,expected", RESP3_LINES, ids=[c for c, _ in RESP3_LINES])
def test_resp3_reply_lines_cannot_be_forged(shared, script, expected):
    """Issue 16 item 10: CR/LF in a script's status/error/big number become spaces; the next
    reply on the connection is the next command's."""
    with RawConn(shared.port) as c:
        c.cmd("HELLO", "3")
        assert c.cmd("EVAL", script, "0").raw == expected
        assert c.cmd("PING").raw == b"+PONG\r\n"


def rss_kb(server):
    with open("/proc/%d/status" % server.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


LIMIT_ERROR = b"-ERR Lua script exceeded lua-memory-limit script: "
BIG_STRING = "local s = string.rep('x', 2^28) return #s"  # 256 MB, four times the 64 MB limit


@latchkey_only
def test_failing_library_calls_leak_nothing_and_keep_the_limit(server_factory):
    """Issue 16 item 7 / issue 15 item 1: errors raised inside cmsgpack (a NaN map key on a
    1 MB input) used to longjmp over Swift frames, leaking each call's copy (~97 MB RSS per
    run) and leaving the memory limit switched off."""
    s = server_factory()
    leak = ("local big='\\129\\203\\127\\248\\0\\0\\0\\0\\0\\0\\1'..string.rep('x',1e6) "
            "for i=1,100 do pcall(cmsgpack.unpack,big) end return 1")
    with RawConn(s.port) as c:
        assert c.cmd("EVAL", leak, "0").raw == b":1\r\n"
        before = rss_kb(s)
        for _ in range(5):
            assert c.cmd("EVAL", leak, "0").raw == b":1\r\n"
        grown_mb = (rss_kb(s) - before) / 1024
        assert grown_mb < 40, "RSS grew %.0f MB over 500 failing calls" % grown_mb
        assert c.cmd("EVAL", BIG_STRING, "0").raw.startswith(LIMIT_ERROR)
        assert c.cmd("EVAL", "return 'next'", "0").raw == b"$4\r\nnext\r\n"


@latchkey_only
@pytest.mark.parametrize("script", [
    "local s=string.rep('x',2^24) local t={} for i=1,20 do t[i]=s end return #cjson.encode(t)",
    "local s=string.rep('x',2^24) local t={} for i=1,20 do t[i]=s end return #cmsgpack.pack(t)",
    "local s=string.rep('x',2^24) return #struct.pack(string.rep('c0',20), s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s)",
    "local t={} for i=1,2e6 do t[i]=i end return #cjson.decode(cjson.encode(t))",
])
def test_library_output_counts_against_the_limit(server_factory, script):
    """Issue 16 item 8: cjson/cmsgpack/struct output is refused by lua-memory-limit (64 MB), and
    the garbage is collected so the next new scripts still compile and run."""
    s = server_factory()
    with RawConn(s.port) as c:
        assert c.cmd("EVAL", script, "0").raw.startswith(LIMIT_ERROR)
        for i in range(3):
            assert c.cmd("EVAL", "return %d" % i, "0").raw == b":%d\r\n" % i
        assert rss_kb(s) < 400 * 1024


@latchkey_only
def test_full_script_cache_keeps_accepting_new_scripts(server_factory):
    """Issue 16 item 8: EVAL-only scripts are evicted least-recently-used past 500 (Redis 7.4's
    policy); SCRIPT LOAD scripts stay; the cache never makes the limit refuse new scripts."""
    s = server_factory("--lua-memory-limit", "1mb")
    with RawConn(s.port) as c:
        loaded = c.cmd("SCRIPT", "LOAD", "return 'kept'").value
        first = c.cmd("SCRIPT", "LOAD", "return 'x'").value  # loaded: permanent
        for i in range(3000):
            body = "local padding = '%s' return %d" % ("p" * 200, i)
            assert c.cmd("EVAL", body, "0").raw == b":%d\r\n" % i
        assert c.cmd("EVALSHA", loaded, "0").raw == b"$4\r\nkept\r\n"
        assert c.cmd("EVALSHA", first, "0").raw == b"$1\r\nx\r\n"
        import hashlib
        old = hashlib.sha1(("local padding = '%s' return 0" % ("p" * 200)).encode()).hexdigest()
        assert c.cmd("EVALSHA", old, "0").raw.startswith(b"-NOSCRIPT")
        recent = hashlib.sha1(("local padding = '%s' return 2999" % ("p" * 200)).encode()).hexdigest()
        assert c.cmd("EVALSHA", recent, "0").raw == b":2999\r\n"
        assert c.cmd("EVAL", "return 'new'", "0").raw == b"$3\r\nnew\r\n"


BUSY = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
        b"SHUTDOWN NOSAVE.\r\n")


@latchkey_only
@pytest.mark.parametrize("script", [
    # 10^16 values: a table that holds itself, encoded 16 levels deep (redis-server never returns)
    "local t={} for i=1,10 do t[i]=t end return #cmsgpack.pack(t)",
    "local t={} for i=1,10 do t[i]=t end return #cmsgpack.pack(t, t, t)",
])
def test_script_looping_inside_a_library_call_is_busy_and_killable(server_factory, script):
    """Issue 15 item 4: a long library call reaches the busy path: others get -BUSY and SCRIPT
    KILL stops it (the count hook never fires inside a C/Swift function)."""
    from resp_wire import encode
    s = server_factory("--busy-reply-threshold", "100", "--lua-memory-limit", "2gb")
    runner = RawConn(s.port, timeout=20)
    runner.send(encode("EVAL", script, "0"))
    deadline = time.monotonic() + 10
    with RawConn(s.port) as other:
        while True:
            r = other.cmd("PING")
            if r.raw == BUSY:
                break
            assert time.monotonic() < deadline, "never BUSY"
            time.sleep(0.02)
        assert other.cmd("SCRIPT", "KILL").raw == b"+OK\r\n"
        assert b"Script killed by user with SCRIPT KILL..." in runner.read().raw
        assert other.cmd("PING").raw == b"+PONG\r\n"
    runner.close()


@latchkey_only
def test_failed_compile_leaves_room_for_the_next_scripts(server_factory):
    """Issue 16 item 8: a compile that runs out of memory is collected at once, so every later
    EVAL compiles (before, each new script failed "not enough memory" until SCRIPT FLUSH)."""
    s = server_factory("--lua-memory-limit", "4mb")
    with RawConn(s.port) as c:
        huge = "return '" + "x" * (6 << 20) + "'"
        assert c.cmd("EVAL", huge, "0").raw == (
            b"-ERR Error compiling script (new function): not enough memory\r\n")
        garbage = "local t = {} for i = 1, 1e9 do t[i] = 'v' .. i end"
        assert c.cmd("EVAL", garbage, "0").raw.startswith(LIMIT_ERROR)
        # A run that ends with most of the limit as garbage: collected before the next compile.
        assert c.cmd("EVAL", "local s = string.rep('x', 1e6) return 1", "0").raw == b":1\r\n"
        body = "return '" + "z" * 800_000 + "'"
        assert c.cmd("EVAL", body, "0").raw == b"$800000\r\n" + b"z" * 800_000 + b"\r\n"
        for i in range(20):
            assert c.cmd("EVAL", "return {%d, '%s'}" % (i, "y" * 1000), "0").raw.startswith(b"*2\r\n")
