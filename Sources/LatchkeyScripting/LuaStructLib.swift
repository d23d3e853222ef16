// The `struct` library Redis bundles (Roberto Ierusalimschy's struct 0.2): pack, unpack and
// size of binary records described by a format string (endianness `<` `>` `=`, alignment `!n`,
// integers b B h H l L T i[n] I[n], f, d, fixed strings c[n], zero-terminated s, padding x).
// Written here because scripts may not load C modules. Errors carry the script position.
import CLua51
import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

extension LuaInterpreter {
    /// Fills the `struct` table on top of the stack.
    func registerStructLibrary() {
        lk_lua_pushswiftfunction(L, LuaInterpreter.structPack)
        setField("pack")
        lk_lua_pushswiftfunction(L, LuaInterpreter.structUnpack)
        setField("unpack")
        lk_lua_pushswiftfunction(L, LuaInterpreter.structSize)
        setField("size")
    }

    static let structPack: SwiftLuaFunction = { L in
        guard var f = StructFormat(L, function: "pack") else { return -1 }
        var out = Bytes()
        var arg: Int32 = 2
        while let (opt, size) = f.next() {
            if f.failed { return -1 }
            let pad = f.padding(at: out.count, opt: opt, size: size)
            out += Bytes(repeating: 0, count: pad)
            switch opt {
            case "b", "B", "h", "H", "l", "L", "T", "i", "I":
                guard let n = structNumber(L, arg, "pack") else { return -1 }
                arg += 1
                let v: UInt64 = n < 0 ? UInt64(bitPattern: LuaInterpreter.truncate(n)) : (n >= 18_446_744_073_709_551_616.0 ? 0 : UInt64(n))
                out += StructFormat.integerBytes(v, size: size, little: f.little)
            case "x":
                out.append(0)
            case "f":
                guard let n = structNumber(L, arg, "pack") else { return -1 }
                arg += 1
                out += StructFormat.ordered(withUnsafeBytes(of: Float(n).bitPattern.littleEndian) { Bytes($0) }, little: f.little)
            case "d":
                guard let n = structNumber(L, arg, "pack") else { return -1 }
                arg += 1
                out += StructFormat.ordered(withUnsafeBytes(of: n.bitPattern.littleEndian) { Bytes($0) }, little: f.little)
            case "c", "s":
                guard lua_isstring(L, arg) != 0 else {
                    let got = structTypeName(L, arg)
                    return argError(L, arg, "string expected, got \(got)")
                }
                var bytes = LuaInterpreter.from(L).withString(arg) { Bytes($0) }
                arg += 1
                let want = size == 0 ? bytes.count : size
                guard bytes.count >= want else { return argError(L, arg, "string too short") }
                bytes = Bytes(bytes.prefix(want))
                out += bytes
                if opt == "s" { out.append(0) }
            default:
                f.control(opt)
                if f.failed { return -1 }
            }
        }
        if f.failed { return -1 }
        out.withUnsafeBufferPointer { p in
            p.baseAddress.map { $0.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) } }
                ?? lua_pushlstring(L, "", 0)
        }
        return 1
    }

    static let structUnpack: SwiftLuaFunction = { L in
        guard var f = StructFormat(L, function: "unpack") else { return -1 }
        guard lua_isstring(L, 2) != 0 else {
            let got = String(cString: lua_typename(L, lua_type(L, 2)))
            return argError(L, 2, "string expected, got \(got)")
        }
        let data = LuaInterpreter.from(L).withString(2) { Bytes($0) }
        var pos = 0
        if lua_type(L, 3) > LUA_TNIL {
            guard lua_isnumber(L, 3) != 0 else { return argError(L, 3, "number expected") }
            let start = Int(lua_tonumber(L, 3))
            guard start > 0 else { return argError(L, 3, "offset must be 1 or greater") }
            pos = start - 1
        }
        var n: Int32 = 0
        while let (opt, optSize) = f.next() {
            if f.failed { return -1 }
            var size = optSize
            pos += f.padding(at: pos, opt: opt, size: size)
            guard size <= data.count && pos <= data.count - size else {
                return argError(L, 2, "data string too short")
            }
            guard lua_checkstack(L, 2) != 0 else { return cjsonRaise(L, "stack overflow (too many results)") }
            switch opt {
            case "b", "B", "h", "H", "l", "L", "T", "i", "I":
                let bytes = StructFormat.ordered(Bytes(data[pos..<pos + size]), little: f.little)
                var v: UInt64 = 0
                for (k, b) in bytes.prefix(8).enumerated() { v |= UInt64(b) << (8 * UInt64(k)) }
                if opt.isLowercase && size > 0 && size < 8 && v & (1 << (UInt64(size) * 8 - 1)) != 0 {
                    v |= ~0 << (UInt64(size) * 8)
                }
                lua_pushnumber(L, opt.isLowercase ? Double(Int64(bitPattern: v)) : Double(v))
                n += 1
            case "x":
                break
            case "f":
                let bytes = StructFormat.ordered(Bytes(data[pos..<pos + 4]), little: f.little)
                let bits = bytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
                lua_pushnumber(L, Double(Float(bitPattern: bits)))
                n += 1
            case "d":
                let bytes = StructFormat.ordered(Bytes(data[pos..<pos + 8]), little: f.little)
                let bits = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
                lua_pushnumber(L, Double(bitPattern: bits))
                n += 1
            case "c":
                if size == 0 {
                    guard n > 0, lua_isnumber(L, -1) != 0 else { return cjsonRaise(L, "format 'c0' needs a previous size") }
                    size = Int(lua_tonumber(L, -1))
                    lk_lua_pop(L, 1)
                    n -= 1
                    guard size >= 0, size <= data.count && pos <= data.count - size else {
                        return argError(L, 2, "data string too short")
                    }
                }
                pushBytesOn(L, data[pos..<pos + size])
                n += 1
            case "s":
                guard let zero = data[pos...].firstIndex(of: 0) else { return cjsonRaise(L, "unfinished string in data") }
                size = zero - pos + 1
                pushBytesOn(L, data[pos..<zero])
                n += 1
            default:
                f.control(opt)
                if f.failed { return -1 }
            }
            pos += size
        }
        if f.failed { return -1 }
        lua_pushnumber(L, Double(pos + 1))
        return n + 1
    }

    static let structSize: SwiftLuaFunction = { L in
        guard var f = StructFormat(L, function: "size") else { return -1 }
        var pos = 0
        while let (opt, size) = f.next() {
            if f.failed { return -1 }
            pos += f.padding(at: pos, opt: opt, size: size)
            if opt == "s" { return argError(L, 1, "option 's' has no fixed size") }
            if opt == "c" && size == 0 { return argError(L, 1, "option 'c0' has no fixed size") }
            if !(opt.isLetter || opt.isNumber) {
                f.control(opt)
                if f.failed { return -1 }
            }
            pos += size
        }
        if f.failed { return -1 }
        lua_pushnumber(L, Double(pos))
        return 1
    }

    private static func structNumber(_ L: OpaquePointer?, _ arg: Int32, _ function: String) -> Double? {
        guard lua_isnumber(L, arg) != 0 else {
            let got = structTypeName(L, arg)
            _ = argError(L, arg, "number expected, got \(got)")
            return nil
        }
        return lua_tonumber(L, arg)
    }

    /// The type name in pack's argument errors: the C library pushes a nil marker after its
    /// arguments, so the first missing one reads as "nil".
    private static func structTypeName(_ L: OpaquePointer?, _ arg: Int32) -> String {
        if arg == lua_gettop(L) + 1 { return "nil" }
        return String(cString: lua_typename(L, lua_type(L, arg)))
    }

    private static func pushBytesOn(_ L: OpaquePointer?, _ b: ArraySlice<UInt8>) {
        b.withUnsafeBufferPointer { p in
            p.baseAddress.map { $0.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) } }
                ?? lua_pushlstring(L, "", 0)
        }
    }
}

/// Walks a struct format string; an error pushes its message and sets `failed`.
private struct StructFormat {
    static let maxIntSize = 32
    static let maxAlign = 8
    let L: OpaquePointer?
    let function: String
    let format: [Character]
    var i = 0
    var little = true
    var align = 1
    var failed = false

    init?(_ L: OpaquePointer?, function: String) {
        guard lua_isstring(L, 1) != 0 else {
            let got = String(cString: lua_typename(L, lua_type(L, 1)))
            _ = LuaInterpreter.argError(L, 1, "string expected, got \(got)")
            return nil
        }
        self.L = L
        self.function = function
        format = Array(LuaInterpreter.from(L).withString(1) { String(decoding: $0, as: UTF8.self) })
    }

    mutating func fail(_ message: String) {
        if !failed { _ = LuaInterpreter.cjsonRaise(L, message) }
        failed = true
    }

    mutating func number(default d: Int) -> Int {
        guard i < format.count, format[i].isASCII, format[i].isNumber else { return d }
        var a = 0
        while i < format.count, format[i].isASCII, let digit = format[i].wholeNumberValue {
            if a > (Int(Int32.max) - digit) / 10 { fail("integral size overflow"); return 0 }
            a = a * 10 + digit
            i += 1
        }
        return a
    }

    /// The next option and its size (0 for options without one).
    mutating func next() -> (Character, Int)? {
        guard i < format.count, !failed else { return nil }
        let opt = format[i]
        i += 1
        switch opt {
        case "b", "B", "x": return (opt, 1)
        case "h", "H": return (opt, 2)
        case "l", "L", "T", "d": return (opt, 8)
        case "f": return (opt, 4)
        case "c": return (opt, number(default: 1))
        case "i", "I":
            let size = number(default: 4)
            if size > StructFormat.maxIntSize {
                fail("integral size \(size) is larger than limit of \(StructFormat.maxIntSize)")
            }
            return (opt, size)
        default: return (opt, 0)
        }
    }

    func padding(at len: Int, opt: Character, size: Int) -> Int {
        if size == 0 || opt == "c" { return 0 }
        let s = min(size, align)
        return (s - (len & (s - 1))) & (s - 1)
    }

    mutating func control(_ opt: Character) {
        switch opt {
        case " ": return
        case ">": little = false
        case "<", "=": little = true
        case "!":
            let a = number(default: StructFormat.maxAlign)
            if a <= 0 || a & (a - 1) != 0 { fail("alignment \(a) is not a power of 2"); return }
            align = a
        default:
            fail(LuaInterpreter.argErrorText(L, 1, "invalid format option '\(opt)'"))
        }
    }

    /// Little-endian value bytes in the record's order (bytes past 8 are sign/zero fill).
    static func integerBytes(_ v: UInt64, size: Int, little: Bool) -> Bytes {
        var b = Bytes(repeating: 0, count: size)
        var x = v
        for k in 0..<size {
            b[k] = UInt8(truncatingIfNeeded: x)
            x = k < 7 ? x >> 8 : 0
        }
        return little ? b : b.reversed()
    }

    /// Converts between little-endian bytes and the record's byte order.
    static func ordered(_ b: Bytes, little: Bool) -> Bytes { little ? b : b.reversed() }
}
