// ScriptReply, a script's reply as a value tree, and ScriptReplyBuilder, the ScriptReplySink that
// builds one: the scripting tests compare trees instead of bytes. Test-only; the server writes a
// script's result straight into the client's reply writer.
import LatchkeyCore
import LatchkeyScripting

/// A reply as a value tree in the RESP3 model; what `ScriptReplyBuilder` produces.
enum ScriptReply: Equatable {
    /// `+text`
    case status(Bytes)
    /// `-text` (without the leading '-', e.g. "ERR syntax error").
    case error(Bytes)
    case integer(Int64)
    case bulk(Bytes)
    /// Nil bulk, nil array or RESP3 null.
    case null
    case array([ScriptReply])
    /// RESP3 map as alternating keys and values.
    case map([ScriptReply])
    case set([ScriptReply])
    case double(Double)
    case bool(Bool)
    case bigNumber(Bytes)
    case verbatim(format: Bytes, text: Bytes)
}

/// A sink that builds a `ScriptReply` tree, so a test can compare a script's whole result.
struct ScriptReplyBuilder: ScriptReplySink {
    private enum Frame {
        case array(Int, [ScriptReply])
        case map(Int, [ScriptReply])
        case set(Int, [ScriptReply])
    }
    private var stack: [Frame] = []
    /// The finished value, once the top-level value is complete.
    private(set) var result: ScriptReply?

    init() {}

    private mutating func add(_ v: ScriptReply) {
        guard let top = stack.popLast() else {
            result = v
            return
        }
        switch top {
        case .array(let n, var items):
            items.append(v)
            finishOrPush(.array(n, items), count: items.count, of: n)
        case .map(let n, var items):
            items.append(v)
            finishOrPush(.map(n, items), count: items.count, of: 2 * n)
        case .set(let n, var items):
            items.append(v)
            finishOrPush(.set(n, items), count: items.count, of: n)
        }
    }

    private mutating func finishOrPush(_ f: Frame, count: Int, of total: Int) {
        if count < total {
            stack.append(f)
            return
        }
        switch f {
        case .array(_, let items): add(.array(items))
        case .map(_, let items): add(.map(items))
        case .set(_, let items): add(.set(items))
        }
    }

    private mutating func open(_ f: Frame, _ total: Int) {
        if total == 0 {
            switch f {
            case .array: add(.array([]))
            case .map: add(.map([]))
            case .set: add(.set([]))
            }
        } else {
            stack.append(f)
        }
    }

    mutating func writeStatus(_ s: UnsafeBufferPointer<UInt8>) { add(.status(Bytes(s))) }
    mutating func writeError(_ s: UnsafeBufferPointer<UInt8>) { add(.error(Bytes(s))) }
    mutating func writeInteger(_ v: Int64) { add(.integer(v)) }
    mutating func writeBulk(_ s: UnsafeBufferPointer<UInt8>) { add(.bulk(Bytes(s))) }
    mutating func writeNull() { add(.null) }
    mutating func writeBool(_ b: Bool) { add(.bool(b)) }
    mutating func writeDouble(_ d: Double) { add(.double(d)) }
    mutating func writeBigNumber(_ s: UnsafeBufferPointer<UInt8>) { add(.bigNumber(Bytes(s))) }
    mutating func writeVerbatim(format: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>) {
        add(.verbatim(format: Bytes(format), text: Bytes(text)))
    }
    mutating func writeArrayHeader(_ n: Int) { open(.array(n, []), n) }
    mutating func writeMapHeader(_ n: Int) { open(.map(n, []), 2 * n) }
    mutating func writeSetHeader(_ n: Int) { open(.set(n, []), n) }
}
