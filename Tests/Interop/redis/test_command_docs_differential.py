"""COMMAND DOCS `arguments` against redis-server 7: for every command and subcommand both servers
know, the argument tree (names, types, tokens, optional/multiple flags, nesting) must be the same.
redis-cli builds its typing hints from it, and client libraries that generate command wrappers
read it. The prose fields (summary, complexity, history) are Latchkey's own wording and are not
compared (docs/resp.md); neither are key_spec_index and per-argument `since`, which Latchkey does
not report. Latchkey's extensions are removed from its side before comparing: the IFEQ/IFNE/
IFDEQ/IFDNE conditions of SET (Redis 8.4's) and HSCAN NOVALUES (Redis 7.4's).
"""
import redis

from test_differential_redis import pair  # noqa: F401 (a fixture)

EXTENSION_TOKENS = {"set": {"IFEQ", "IFNE", "IFDEQ", "IFDNE"}, "hscan": {"NOVALUES"}}


def call(port, *args):
    c = redis.Connection(port=port, protocol=3)
    try:
        c.send_command(*args)
        return c.read_response()
    finally:
        c.disconnect()


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def as_map(reply):
    if isinstance(reply, dict):
        return {text(k): v for k, v in reply.items()}
    return {text(reply[i]): reply[i + 1] for i in range(0, len(reply), 2)}


def tree(arguments, drop=()):
    out = []
    for a in arguments or []:
        a = as_map(a)
        if text(a.get("token")) in drop:
            continue
        item = {"name": text(a["name"]), "type": text(a["type"]), "token": text(a.get("token")),
                "flags": sorted(text(f) for f in a.get("flags") or [])}
        if a.get("arguments"):
            item["arguments"] = tree(a["arguments"], drop)
        out.append(item)
    return out


def test_command_docs_arguments_match_redis(pair):
    latchkey, real = pair
    names = [text(n) for n in call(latchkey.port, "COMMAND", "LIST")]
    ours = as_map(call(latchkey.port, "COMMAND", "DOCS", *names))
    theirs = as_map(call(real.port, "COMMAND", "DOCS", *names))
    compared, differences = 0, []

    def compare(name, a, b):
        nonlocal compared
        a, b = as_map(a), as_map(b)
        compared += 1
        mine = tree(a.get("arguments"), EXTENSION_TOKENS.get(name, ()))
        if mine != tree(b.get("arguments")):
            differences.append("%s\n  latchkey: %s\n  redis:    %s" % (name, mine, tree(b.get("arguments"))))
        subs_a, subs_b = as_map(a.get("subcommands") or {}), as_map(b.get("subcommands") or {})
        for sub in subs_a:
            if sub in subs_b:
                compare(sub, subs_a[sub], subs_b[sub])

    for name in sorted(ours):
        if name in theirs:
            compare(name, ours[name], theirs[name])
    assert compared > 100, compared  # the shared command set, subcommands included
    assert not differences, "\n".join(differences)
