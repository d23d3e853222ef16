// A tiny in-memory ScriptHost (GET/SET/DEL/PING plus commands that return each RESP3 type) and a
// helper that runs a script body and returns its reply as a ScriptReply tree.
import LatchkeyCore
import LatchkeyScripting

final class FakeHost: ScriptHost {
    var strings: [Bytes: Bytes] = [:]
    var calls: [[Bytes]] = []
    weak var interpreter: LuaInterpreter?

    func scriptCall(_ argv: UnsafeBufferPointer<ByteView>, resp: Int, reply: (UnsafeRawBufferPointer) -> Void) {
        let encoded = encode(answer(argv.map { $0.bytes }), resp: resp)
        encoded.withUnsafeBytes { reply($0) }
    }

    private func answer(_ args: [Bytes]) -> ScriptReply {
        calls.append(args)
        switch args[0].string.lowercased() {
        case "get":
            guard args.count == 2 else { return .error(Bytes(utf8: ScriptErrors.wrongArity)) }
            return strings[args[1]].map { .bulk($0) } ?? .null
        case "set":
            guard args.count == 3 else { return .error(Bytes(utf8: ScriptErrors.wrongArity)) }
            strings[args[1]] = args[2]
            interpreter?.scriptWrote = true
            return .status(Bytes(utf8: "OK"))
        case "del":
            var n: Int64 = 0
            for k in args.dropFirst() where strings.removeValue(forKey: k) != nil { n += 1 }
            if n > 0 { interpreter?.scriptWrote = true }
            return .integer(n)
        case "ping": return .status(Bytes(utf8: "PONG"))
        case "incr": return .error(Bytes(utf8: "ERR value is not an integer or out of range"))
        case "eval": return .error(Bytes(utf8: ScriptErrors.notAllowed))
        case "nullreply": return .null
        case "arrayreply": return .array([.integer(1), .null, .bulk(Bytes(utf8: "x"))])
        case "mapreply": return .map([.bulk(Bytes(utf8: "f")), .bulk(Bytes(utf8: "v"))])
        case "setreply": return .set([.bulk(Bytes(utf8: "m"))])
        case "doublereply": return .double(1.5)
        case "boolreply": return .bool(true)
        case "bigreply": return .bigNumber(Bytes(utf8: "1234567890123456789012"))
        case "verbatimreply": return .verbatim(format: Bytes(utf8: "txt"), text: Bytes(utf8: "hello"))
        default: return .error(Bytes(utf8: ScriptErrors.unknownCommand))
        }
    }
}

/// RESP encoding of a reply tree in protocol 2 or 3 (RESP2 down-converts like Redis).
func encode(_ r: ScriptReply, resp: Int) -> Bytes {
    func line(_ t: String, _ body: Bytes) -> Bytes { Bytes(utf8: t) + body + [13, 10] }
    func bulk(_ b: Bytes) -> Bytes { line("$", Bytes(utf8: String(b.count))) + b + [13, 10] }
    let r3 = resp == 3
    switch r {
    case .status(let s): return line("+", s)
    case .error(let e): return line("-", e)
    case .integer(let v): return line(":", Bytes(utf8: String(v)))
    case .bulk(let b): return bulk(b)
    case .null: return Bytes(utf8: r3 ? "_\r\n" : "$-1\r\n")
    case .array(let a): return a.reduce(line("*", Bytes(utf8: String(a.count)))) { $0 + encode($1, resp: resp) }
    case .map(let a):
        return a.reduce(r3 ? line("%", Bytes(utf8: String(a.count / 2))) : line("*", Bytes(utf8: String(a.count)))) {
            $0 + encode($1, resp: resp)
        }
    case .set(let a):
        return a.reduce(line(r3 ? "~" : "*", Bytes(utf8: String(a.count)))) { $0 + encode($1, resp: resp) }
    case .double(let d): return r3 ? line(",", Bytes(utf8: "\(d)")) : bulk(Bytes(utf8: "\(d)"))
    case .bool(let b): return r3 ? Bytes(utf8: b ? "#t\r\n" : "#f\r\n") : line(":", Bytes(utf8: b ? "1" : "0"))
    case .bigNumber(let s): return r3 ? line("(", s) : bulk(s)
    case .verbatim(let f, let t):
        return r3 ? line("=", Bytes(utf8: String(t.count + 4))) + f + [58] + t + [13, 10] : bulk(t)
    }
}

/// An interpreter wired to a FakeHost.
struct Harness {
    let lua: LuaInterpreter
    let host: FakeHost

    init(memoryLimit: Int = 64 * 1024 * 1024, busyThresholdMs: Int64 = 5000) {
        lua = LuaInterpreter(memoryLimit: memoryLimit, busyThresholdMs: busyThresholdMs)
        host = FakeHost()
        host.interpreter = lua
        lua.host = host
    }

    /// EVAL body numkeys keys... args...
    func eval(_ body: String, keys: [String] = [], args: [String] = []) -> ScriptReply {
        let bodyBytes = Bytes(utf8: body)
        let keyBytes = keys.map { Bytes(utf8: $0) }
        let argBytes = args.map { Bytes(utf8: $0) }
        var sink = ScriptReplyBuilder()
        withViews(keyBytes) { k in
            withViews(argBytes) { a in
                bodyBytes.withUnsafeBufferPointer { lua.eval(body: $0, keys: k, args: a, into: &sink) }
            }
        }
        return sink.result!
    }

    /// The error text of a reply, or nil when it is not an error.
    func error(_ body: String, keys: [String] = [], args: [String] = []) -> String? {
        if case .error(let e) = eval(body, keys: keys, args: args) { return e.string }
        return nil
    }
}

/// Borrowed views of owned byte strings, valid inside `body`.
func withViews<R>(_ items: [Bytes], _ body: (UnsafeBufferPointer<ByteView>) -> R) -> R {
    let joined = items.flatMap { $0 }
    return joined.withUnsafeBufferPointer { buf in
        var views: [ByteView] = []
        var offset = 0
        for item in items {
            views.append(ByteView(base: (buf.baseAddress ?? UnsafePointer(bitPattern: 1)!) + offset, count: item.count))
            offset += item.count
        }
        return views.withUnsafeBufferPointer { body($0) }
    }
}

func bulk(_ s: String) -> ScriptReply { .bulk(Bytes(utf8: s)) }
func sha(_ s: String) -> String { SHA1.hash(Bytes(utf8: s)).hexString }
