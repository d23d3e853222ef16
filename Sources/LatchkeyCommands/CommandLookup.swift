// Finds a command spec by name without allocating: an open-addressing index keyed by an ASCII
// case-folded hash of the name bytes, built once from the command table. Extensible at start-up
// (`register`) for modules that add commands (scripting).
import LatchkeyCore

/// Case-insensitive name → spec index.
public final class CommandLookup {
    @exclusivity(unchecked) public private(set) var specs: [CommandSpec] = []
    @exclusivity(unchecked) private var index: [Int32]
    @exclusivity(unchecked) private var mask: Int

    public init(_ specs: [CommandSpec]) {
        mask = 255
        index = Array(repeating: -1, count: 256)
        for s in specs { register(s) }
    }

    /// Adds (or replaces, by name) a command.
    public func register(_ spec: CommandSpec) {
        if let existing = specs.firstIndex(where: { $0.name == spec.name }) {
            specs[existing] = spec
            return
        }
        specs.append(spec)
        if specs.count * 2 > mask + 1 { rebuild(capacity: (mask + 1) * 2) } else { place(specs.count - 1) }
    }

    private func rebuild(capacity: Int) {
        mask = capacity - 1
        index = Array(repeating: -1, count: capacity)
        for i in specs.indices { place(i) }
    }

    private func place(_ i: Int) {
        let name = specs[i].nameBytes
        var slot = name.withUnsafeBufferPointer { Int(CommandLookup.hash($0.baseAddress!, $0.count)) } & mask
        while index[slot] >= 0 { slot = (slot + 1) & mask }
        index[slot] = Int32(i)
    }

    @inline(__always) static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for i in 0..<n { h = (h ^ UInt32(ASCII.lower(p[i]))) &* 16_777_619 }
        return h
    }

    /// The spec named by `name` (any case), or nil.
    @inline(__always) public func find(_ name: ByteView) -> CommandSpec? {
        if name.count == 0 || name.count > 64 { return nil }
        var slot = Int(CommandLookup.hash(name.base, name.count)) & mask
        while true {
            let i = index[slot]
            if i < 0 { return nil }
            let s = specs[Int(i)]
            if CommandLookup.equalsLower(name, s.nameBytes) { return s }
            slot = (slot + 1) & mask
        }
    }

    /// The spec for a lower- or upper-case Swift name (for tests and COMMAND INFO).
    public func find(name: String) -> CommandSpec? {
        let l = name.lowercased()
        return specs.first { $0.name == l }
    }

    /// ASCII case-insensitive comparison against a lower-case name.
    @inline(__always) public static func equalsLower(_ v: ByteView, _ lower: Bytes) -> Bool {
        guard v.count == lower.count else { return false }
        return lower.withUnsafeBufferPointer { l in
            for i in 0..<v.count where ASCII.lower(v.base[i]) != l[i] { return false }
            return true
        }
    }
}
