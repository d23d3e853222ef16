// The `struct` library Redis bundles (Roberto Ierusalimschy's struct 0.2): pack, unpack and
// size of binary records described by a format string (endianness `<` `>`, alignment `!n`,
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
        setFields([
            ("pack", LuaInterpreter.structPack), ("unpack", LuaInterpreter.structUnpack),
            ("size", LuaInterpreter.structSize),
        ])
    }

    static let structPack: SwiftLuaFunction = { L in
        guard var f = StructFormat(L, function: "pack") else { return LK_RAISE }
        let me = LuaInterpreter.from(L)
        var out = Bytes()
        var arg: Int32 = 2
        while let (opt, size) = f.next() {
            if f.failed { return LK_RAISE }
            if let stop = me.libraryStep(pending: out.count) { return stop }
            let pad = f.padding(at: UInt64(out.count), opt: opt, size: size)
            out += Bytes(repeating: 0, count: Int(pad))
            switch opt {
            case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "l"),
                UInt8(ascii: "L"), UInt8(ascii: "T"), UInt8(ascii: "i"), UInt8(ascii: "I"):
                guard let n = structNumber(L, arg, "pack") else { return LK_RAISE }
                arg += 1
                // struct.c: negative values through (long long), the rest through (size_t).
                let v = n < 0 ? UInt64(bitPattern: LuaNumber.cLongLong(n)) : LuaNumber.cSizeT(n)
                out += StructFormat.integerBytes(v, size: size, little: f.little)
            case UInt8(ascii: "x"): out.append(0)
            case UInt8(ascii: "f"):
                guard let n = structNumber(L, arg, "pack") else { return LK_RAISE }
                arg += 1
                out += StructFormat.ordered(
                    withUnsafeBytes(of: Float(n).bitPattern.littleEndian) { Bytes($0) }, little: f.little)
            case UInt8(ascii: "d"):
                guard let n = structNumber(L, arg, "pack") else { return LK_RAISE }
                arg += 1
                out += StructFormat.ordered(
                    withUnsafeBytes(of: n.bitPattern.littleEndian) { Bytes($0) }, little: f.little)
            case UInt8(ascii: "c"), UInt8(ascii: "s"):
                guard lua_isstring(L, arg) != 0 else {
                    let got = structTypeName(L, arg)
                    return argError(L, arg, "string expected, got \(got)")
                }
                let bytes = me.borrowString(arg)
                arg += 1
                let want = size == 0 ? bytes.count : size
                guard bytes.count >= want else { return argError(L, arg, "string too short") }
                if me.overBudget(pending: out.count + want) { return LK_RAISE_MEMORY }
                out += bytes.prefix(want)
                if opt == UInt8(ascii: "s") { out.append(0) }
            default:
                f.control(opt)
                if f.failed { return LK_RAISE }
            }
        }
        if f.failed { return LK_RAISE }
        if me.overBudget(pending: out.count) { return LK_RAISE_MEMORY }
        out.withUnsafeBufferPointer { p in
            p.baseAddress.map {
                $0.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) }
            } ?? lua_pushlstring(L, "", 0)
        }
        return 1
    }

    /// struct.unpack(fmt, data [, pos]). Positions are size_t in struct.c, so they are UInt64
    /// here with wrapping arithmetic: a NaN or huge offset answers "data string too short"
    /// exactly as Redis does, and nothing can trap.
    static let structUnpack: SwiftLuaFunction = { L in
        guard var f = StructFormat(L, function: "unpack") else { return LK_RAISE }
        guard lua_isstring(L, 2) != 0 else { return argError(L, 2, "string expected, got \(typeName(L, 2))") }
        let me = LuaInterpreter.from(L)
        let data = me.borrowString(2)
        let ld = UInt64(data.count)
        var pos: UInt64 = 1
        if lua_type(L, 3) > LUA_TNIL {
            guard lua_isnumber(L, 3) != 0 else { return argError(L, 3, "number expected, got \(typeName(L, 3))") }
            pos = UInt64(bitPattern: LuaNumber.cLongLong(lua_tonumber(L, 3)))
        }
        guard pos > 0 else { return argError(L, 3, "offset must be 1 or greater") }
        pos -= 1
        var n: Int32 = 0
        while let (opt, optSize) = f.next() {
            if f.failed { return LK_RAISE }
            if let stop = me.libraryStep() { return stop }
            var size = UInt64(optSize)
            pos &+= f.padding(at: pos, opt: opt, size: optSize)
            guard size <= ld && pos <= ld - size else { return argError(L, 2, "data string too short") }
            guard lua_checkstack(L, 2) != 0 else { return cjsonRaise(L, "stack overflow (too many results)") }
            let at = Int(pos)
            switch opt {
            case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "l"),
                UInt8(ascii: "L"), UInt8(ascii: "T"), UInt8(ascii: "i"), UInt8(ascii: "I"):
                lua_pushnumber(L, StructFormat.integer(data[at..<at + optSize], little: f.little, signed: opt >= 97))
                n += 1
            case UInt8(ascii: "x"): break
            case UInt8(ascii: "f"):
                let bytes = StructFormat.ordered(Bytes(data[at..<at + 4]), little: f.little)
                let bits = bytes.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
                lua_pushnumber(L, Double(Float(bitPattern: bits)))
                n += 1
            case UInt8(ascii: "d"):
                let bytes = StructFormat.ordered(Bytes(data[at..<at + 8]), little: f.little)
                let bits = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
                lua_pushnumber(L, Double(bitPattern: bits))
                n += 1
            case UInt8(ascii: "c"):
                if size == 0 {
                    guard n > 0, lua_isnumber(L, -1) != 0 else {
                        return cjsonRaise(L, "format 'c0' needs a previous size")
                    }
                    size = LuaNumber.cSizeT(lua_tonumber(L, -1))
                    lk_lua_pop(L, 1)
                    n -= 1
                    guard size <= ld && pos <= ld - size else { return argError(L, 2, "data string too short") }
                }
                pushBytesOn(L, data[at..<at + Int(size)])
                n += 1
            case UInt8(ascii: "s"):
                guard let zero = data[at...].firstIndex(of: 0) else {
                    return cjsonRaise(L, "unfinished string in data")
                }
                size = UInt64(zero - at + 1)
                pushBytesOn(L, data[at..<zero])
                n += 1
            default:
                f.control(opt)
                if f.failed { return LK_RAISE }
            }
            pos &+= size
        }
        if f.failed { return LK_RAISE }
        lua_pushnumber(L, Double(Int64(bitPattern: pos &+ 1)))
        return n + 1
    }

    static let structSize: SwiftLuaFunction = { L in
        guard var f = StructFormat(L, function: "size") else { return LK_RAISE }
        let me = LuaInterpreter.from(L)
        var pos: UInt64 = 0
        while let (opt, size) = f.next() {
            if f.failed { return LK_RAISE }
            if let stop = me.libraryStep() { return stop }
            pos &+= f.padding(at: pos, opt: opt, size: size)
            if opt == UInt8(ascii: "s") { return argError(L, 1, "option 's' has no fixed size") }
            if opt == UInt8(ascii: "c") && size == 0 { return argError(L, 1, "option 'c0' has no fixed size") }
            if !StructFormat.isAlnum(opt) {
                f.control(opt)
                if f.failed { return LK_RAISE }
            }
            pos &+= UInt64(size)
        }
        if f.failed { return LK_RAISE }
        lua_pushnumber(L, Double(Int64(bitPattern: pos)))
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

    private static func pushBytesOn(_ L: OpaquePointer?, _ b: Slice<UnsafeBufferPointer<UInt8>>) {
        let p = UnsafeBufferPointer(rebasing: b)
        p.baseAddress.map {
            $0.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) }
        } ?? lua_pushlstring(L, "", 0)
    }
}

/// Walks a struct format string (bytes, as struct.c does); an error pushes its message and
/// sets `failed`. The format is borrowed from the Lua stack (argument 1 stays there).
private struct StructFormat {
    static let maxIntSize = 32
    static let maxAlign = 8
    let L: OpaquePointer?
    let function: String
    let format: UnsafeBufferPointer<UInt8>
    var i = 0
    var little = true
    var align = 1
    var failed = false

    init?(_ L: OpaquePointer?, function: String) {
        guard lua_isstring(L, 1) != 0 else {
            _ = LuaInterpreter.argError(L, 1, "string expected, got \(LuaInterpreter.typeName(L, 1))")
            return nil
        }
        self.L = L
        self.function = function
        format = LuaInterpreter.from(L).borrowString(1)
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || (c | 32 >= 97 && c | 32 <= 122) }

    mutating func fail(_ message: String) {
        if !failed { _ = LuaInterpreter.cjsonRaise(L, message) }
        failed = true
    }

    mutating func number(default d: Int) -> Int {
        guard i < format.count, StructFormat.isDigit(format[i]) else { return d }
        var a = 0
        while i < format.count, StructFormat.isDigit(format[i]) {
            let digit = Int(format[i] - 48)
            if a > Int(Int32.max) / 10 || a * 10 > Int(Int32.max) - digit {
                fail("integral size overflow")
                return 0
            }
            a = a * 10 + digit
            i += 1
        }
        return a
    }

    /// The next option and its size (0 for options without one).
    mutating func next() -> (UInt8, Int)? {
        guard i < format.count, !failed else { return nil }
        let opt = format[i]
        i += 1
        switch opt {
        case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "x"): return (opt, 1)
        case UInt8(ascii: "h"), UInt8(ascii: "H"): return (opt, 2)
        case UInt8(ascii: "l"), UInt8(ascii: "L"), UInt8(ascii: "T"), UInt8(ascii: "d"): return (opt, 8)
        case UInt8(ascii: "f"): return (opt, 4)
        case UInt8(ascii: "c"): return (opt, number(default: 1))
        case UInt8(ascii: "i"), UInt8(ascii: "I"):
            let size = number(default: 4)
            if size > StructFormat.maxIntSize {
                fail("integral size \(size) is larger than limit of \(StructFormat.maxIntSize)")
            }
            return (opt, size)
        default: return (opt, 0)
        }
    }

    func padding(at len: UInt64, opt: UInt8, size: Int) -> UInt64 {
        if size == 0 || opt == UInt8(ascii: "c") { return 0 }
        let s = UInt64(min(size, align))
        return (s &- (len & (s &- 1))) & (s &- 1)
    }

    mutating func control(_ opt: UInt8) {
        switch opt {
        case UInt8(ascii: " "): return
        case UInt8(ascii: ">"): little = false
        case UInt8(ascii: "<"): little = true  // Redis's struct.c has no '=' (it is an invalid option)
        case UInt8(ascii: "!"):
            let a = number(default: StructFormat.maxAlign)
            if a <= 0 || a & (a - 1) != 0 {
                fail("alignment \(a) is not a power of 2")
                return
            }
            align = a
        default:
            // struct.c prints the option byte as it is (%c), so the text is built as bytes.
            guard !failed else { return }
            let marker = LuaInterpreter.argErrorText(L, 1, "invalid format option '\u{1}'")
            var text = Bytes(marker.utf8)
            if let i = text.firstIndex(of: 1) { text[i] = opt }
            luaL_where(L, 1)
            text.withUnsafeBufferPointer { p in
                p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { lua_pushlstring(L, $0, p.count) }
            }
            lua_concat(L, 2)
            failed = true
        }
    }

    /// Little-endian value bytes in the record's order (bytes past 8 are zero, as in struct.c).
    static func integerBytes(_ v: UInt64, size: Int, little: Bool) -> Bytes {
        var b = Bytes(repeating: 0, count: size)
        var x = v
        for k in 0..<size {
            b[k] = UInt8(truncatingIfNeeded: x)
            x = k < 7 ? x >> 8 : 0
        }
        return little ? b : b.reversed()
    }

    /// struct.c's getinteger: the last 8 bytes in value order count; the sign mask is
    /// `~0 << (size*8 - 1)` with the shift count taken mod 64, as x86-64 does for sizes past 8
    /// (and for i0).
    static func integer(_ raw: Slice<UnsafeBufferPointer<UInt8>>, little: Bool, signed: Bool) -> Double {
        var v: UInt64 = 0
        if little {
            for b in raw.reversed() { v = v << 8 | UInt64(b) }
        } else {
            for b in raw { v = v << 8 | UInt64(b) }
        }
        guard signed else { return Double(v) }
        let mask = ~UInt64(0) << UInt64((raw.count &* 8 &- 1) & 63)
        if v & mask != 0 { v |= mask }
        return Double(Int64(bitPattern: v))
    }

    /// Converts between little-endian bytes and the record's byte order.
    static func ordered(_ b: Bytes, little: Bool) -> Bytes { little ? b : b.reversed() }
}
