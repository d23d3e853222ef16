"""Every AMQP 0-9-1 method, encoded and decoded from the spec JSON (tools/amqp-rabbitmq-0.9.1.json), for the differential.

amqp_raw.py hand-writes the few frames its error-path tests need; the differential session runner needs
all of them, in both directions, as plain dicts it can compare. Field names are the spec's
("reply-code", "consumer-tag"); unspecified arguments take the spec's default or a zero value.
"""
import json
import os
import struct

_HERE = os.path.dirname(os.path.abspath(__file__))
_CANDIDATES = [
    os.environ.get("LATCHKEY_AMQP_SPEC", ""),
    os.path.join(_HERE, "..", "..", "..", "tools", "amqp-rabbitmq-0.9.1.json"),  # the copy the codec is generated from
    os.path.join(_HERE, "..", "..", "..", "..", "shared", "spec", "amqp-rabbitmq-0.9.1.json"),
]


def _load():
    for path in _CANDIDATES:
        if path and os.path.exists(path):
            with open(path) as f:
                return json.load(f)
    raise FileNotFoundError("AMQP spec JSON not found (set LATCHKEY_AMQP_SPEC)")


SPEC = _load()
DOMAINS = {name: t for name, t in SPEC["domains"]}
METHODS = {}      # "queue.declare" -> (class_id, method_id, [(name, type, default)])
BY_ID = {}        # (class_id, method_id) -> "queue.declare"
for _c in SPEC["classes"]:
    for _m in _c["methods"]:
        _args = [(a["name"], DOMAINS.get(a.get("domain"), a.get("type")) if "domain" in a else a["type"],
                  a.get("default-value")) for a in _m["arguments"]]
        _name = "%s.%s" % (_c["name"], _m["name"])
        METHODS[_name] = (_c["id"], _m["id"], _args)
        BY_ID[(_c["id"], _m["id"])] = _name
BASIC_PROPERTIES = [(p["name"], p["type"]) for p in next(c for c in SPEC["classes"] if c["id"] == 60)["properties"]]


def _b(s):
    return s.encode() if isinstance(s, str) else bytes(s)


def encode_value(v):
    """One field-table value with the tag RabbitMQ uses for that Python type."""
    if isinstance(v, bool):
        return b"t" + bytes([1 if v else 0])
    if isinstance(v, int):
        return b"l" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"d" + struct.pack(">d", v)
    if isinstance(v, dict):
        return b"F" + encode_table(v)
    if isinstance(v, (list, tuple)):
        inner = b"".join(encode_value(x) for x in v)
        return b"A" + struct.pack(">I", len(inner)) + inner
    if v is None:
        return b"V"
    if isinstance(v, Tagged):
        return v.encoded
    b = _b(v)
    return b"S" + struct.pack(">I", len(b)) + b


class Tagged:
    """A value with an explicit field tag, e.g. Tagged('I', -1) for a signed 32-bit."""
    FORMATS = {"b": ">b", "B": ">B", "s": ">h", "u": ">H", "I": ">i", "i": ">I", "l": ">q", "f": ">f",
               "d": ">d", "T": ">Q"}

    def __init__(self, tag, value):
        self.tag, self.value = tag, value
        self.encoded = tag.encode() + struct.pack(self.FORMATS[tag], value)


def encode_table(d):
    out = b""
    for k, v in (d or {}).items():
        kb = _b(k)
        out += bytes([len(kb)]) + kb + encode_value(v)
    return struct.pack(">I", len(out)) + out


def encode_args(args, values):
    out, bits, nbits = b"", 0, 0
    for name, typ, default in args:
        v = values.get(name, default)
        if typ == "bit":
            if v:
                bits |= 1 << nbits
            nbits += 1
            if nbits == 8:
                out, bits, nbits = out + bytes([bits]), 0, 0
            continue
        if nbits:
            out, bits, nbits = out + bytes([bits]), 0, 0
        if typ == "octet":
            out += struct.pack(">B", v or 0)
        elif typ == "short":
            out += struct.pack(">H", v or 0)
        elif typ == "long":
            out += struct.pack(">I", v or 0)
        elif typ in ("longlong", "timestamp"):
            out += struct.pack(">Q", v or 0)
        elif typ == "shortstr":
            b = _b(v or "")
            out += struct.pack(">B", len(b)) + b
        elif typ == "longstr":
            b = _b(v or "")
            out += struct.pack(">I", len(b)) + b
        elif typ == "table":
            out += encode_table(v if isinstance(v, dict) else {})
        else:
            raise ValueError("unknown type %s" % typ)
    if nbits:
        out += bytes([bits])
    return out


def encode_method(name, **values):
    """Payload of a method frame: class id, method id, arguments. Keys may use _ for -."""
    class_id, method_id, args = METHODS[name]
    values = {k.replace("_", "-"): v for k, v in values.items()}
    unknown = set(values) - {a[0] for a in args}
    if unknown:
        raise KeyError("%s has no argument %s" % (name, sorted(unknown)))
    return struct.pack(">HH", class_id, method_id) + encode_args(args, values)


class Reader:
    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0]

    def bytes(self, n):
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def shortstr(self):
        return self.bytes(self.take(">B")).decode(errors="replace")

    def longstr(self):
        return self.bytes(self.take(">I"))

    def value(self):
        tag = chr(self.take(">B"))
        if tag == "t":
            return bool(self.take(">B"))
        if tag in Tagged.FORMATS:
            return self.take(Tagged.FORMATS[tag])
        if tag == "D":
            scale = self.take(">B")
            return ("decimal", scale, self.take(">i"))
        if tag == "S":
            return self.longstr().decode(errors="replace")
        if tag == "x":
            return self.longstr()
        if tag == "F":
            return self.table()
        if tag == "A":
            n = self.take(">I")
            end = self.pos + n
            out = []
            while self.pos < end:
                out.append(self.value())
            return out
        if tag == "V":
            return None
        raise ValueError("unknown field tag %r" % tag)

    def table(self):
        n = self.take(">I")
        end = self.pos + n
        out = {}
        while self.pos < end:
            k = self.shortstr()
            out[k] = self.value()
        return out


def decode_args(args, r):
    out, bits, bit_i = {}, 0, 8
    for name, typ, _ in args:
        if typ == "bit":
            if bit_i == 8:
                bits, bit_i = r.take(">B"), 0
            out[name] = bool(bits & (1 << bit_i))
            bit_i += 1
            continue
        bit_i = 8
        if typ == "octet":
            out[name] = r.take(">B")
        elif typ == "short":
            out[name] = r.take(">H")
        elif typ == "long":
            out[name] = r.take(">I")
        elif typ in ("longlong", "timestamp"):
            out[name] = r.take(">Q")
        elif typ == "shortstr":
            out[name] = r.shortstr()
        elif typ == "longstr":
            out[name] = r.longstr()
        elif typ == "table":
            out[name] = r.table()
    return out


def decode_method(payload):
    """(name, fields) of a method frame payload."""
    class_id, method_id = struct.unpack_from(">HH", payload)
    name = BY_ID.get((class_id, method_id), "%d.%d" % (class_id, method_id))
    if name not in METHODS:
        return name, {}
    return name, decode_args(METHODS[name][2], Reader(payload, 4))


def encode_properties(props):
    """Property flags + values of a basic content header (keys may use _ for -)."""
    props = {k.replace("_", "-"): v for k, v in (props or {}).items()}
    flags, out = 0, b""
    for i, (name, typ) in enumerate(BASIC_PROPERTIES):
        if name not in props:
            continue
        flags |= 1 << (15 - i)
        v = props[name]
        if typ == "shortstr":
            b = _b(v)
            out += struct.pack(">B", len(b)) + b
        elif typ == "octet":
            out += struct.pack(">B", v)
        elif typ == "timestamp":
            out += struct.pack(">Q", v)
        elif typ == "table":
            out += encode_table(v)
    return struct.pack(">H", flags) + out


def decode_header(payload):
    """(class_id, body_size, properties dict) of a content header payload."""
    r = Reader(payload)
    class_id, _weight, size, flags = r.take(">H"), r.take(">H"), r.take(">Q"), r.take(">H")
    props = {}
    for i, (name, typ) in enumerate(BASIC_PROPERTIES):
        if not flags & (1 << (15 - i)):
            continue
        if typ == "shortstr":
            props[name] = r.shortstr()
        elif typ == "octet":
            props[name] = r.take(">B")
        elif typ == "timestamp":
            props[name] = r.take(">Q")
        elif typ == "table":
            props[name] = r.table()
    return class_id, size, props
