// Two directive values with a grammar of their own, parsed where the config table validates them:
// `notify-keyspace-events` (Redis's class letters, echoed in Redis's canonical order) and
// `client-output-buffer-limit` (`<class> <hard> <soft> <seconds>` groups merged into the current
// value). They are text formats of the configuration, so the protocol layers only read the result.

/// The classes `notify-keyspace-events` enables (Redis's NOTIFY_* bits, same letters).
public struct KeyspaceEventFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let keyspace = KeyspaceEventFlags(rawValue: 1 << 0)  // K
    public static let keyevent = KeyspaceEventFlags(rawValue: 1 << 1)  // E
    public static let generic = KeyspaceEventFlags(rawValue: 1 << 2)  // g
    public static let string = KeyspaceEventFlags(rawValue: 1 << 3)  // $
    public static let list = KeyspaceEventFlags(rawValue: 1 << 4)  // l
    public static let set = KeyspaceEventFlags(rawValue: 1 << 5)  // s
    public static let hash = KeyspaceEventFlags(rawValue: 1 << 6)  // h
    public static let zset = KeyspaceEventFlags(rawValue: 1 << 7)  // z
    public static let expired = KeyspaceEventFlags(rawValue: 1 << 8)  // x
    public static let evicted = KeyspaceEventFlags(rawValue: 1 << 9)  // e
    public static let stream = KeyspaceEventFlags(rawValue: 1 << 10)  // t
    public static let keyMiss = KeyspaceEventFlags(rawValue: 1 << 11)  // m
    public static let module = KeyspaceEventFlags(rawValue: 1 << 12)  // d
    public static let new = KeyspaceEventFlags(rawValue: 1 << 13)  // n
    /// `A`: every type class, but not key-miss nor new-key (as in Redis).
    public static let all: KeyspaceEventFlags = [
        .generic, .string, .list, .set, .hash, .zset, .expired, .evicted, .stream, .module,
    ]

    /// The letters of the type classes, in the order Redis echoes them.
    static let typeLetters: [(Character, KeyspaceEventFlags)] = [
        ("g", .generic), ("$", .string), ("l", .list), ("s", .set), ("h", .hash), ("z", .zset), ("x", .expired),
        ("e", .evicted), ("t", .stream), ("d", .module), ("n", .new),
    ]

    /// Parses class letters; nil when a character names no class (Redis's error case).
    public init?(parsing text: String) {
        var flags: KeyspaceEventFlags = []
        for c in text {
            switch c {
            case "A": flags.formUnion(.all)
            case "K": flags.insert(.keyspace)
            case "E": flags.insert(.keyevent)
            case "m": flags.insert(.keyMiss)
            default:
                guard let f = KeyspaceEventFlags.typeLetters.first(where: { $0.0 == c })?.1 else { return nil }
                flags.insert(f)
            }
        }
        self = flags
    }

    /// What CONFIG GET shows: `A` or the type letters, then K, E, m.
    public var canonical: String {
        var out = ""
        if isSuperset(of: .all) {
            out = "A"
            if contains(.new) { out += "n" }
        } else {
            for (c, f) in KeyspaceEventFlags.typeLetters where contains(f) { out.append(c) }
        }
        if contains(.keyspace) { out += "K" }
        if contains(.keyevent) { out += "E" }
        if contains(.keyMiss) { out += "m" }
        return out
    }
}

/// `client-output-buffer-limit`: per client class a hard limit, a soft limit and how long the
/// soft limit may be exceeded, all in Redis's format. Latchkey enforces the `pubsub` class
/// (subscribed clients); `normal` and `replica` are accepted and shown, and normal clients are
/// governed by `client-output-buffer-soft-limit`/`-hard-limit` (see docs/configuration.md).
public struct OutputBufferLimits: Sendable, Equatable {
    public var hard: Int64
    public var soft: Int64
    public var softSeconds: Int64

    public init(hard: Int64, soft: Int64, softSeconds: Int64) {
        self.hard = hard
        self.soft = soft
        self.softSeconds = softSeconds
    }

    /// Redis's defaults, as CONFIG GET prints them (bytes).
    public static let defaultValue = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
    static let classes = ["normal", "slave", "pubsub"]

    static let badNumbers = "Error in hard, soft or soft_seconds setting in buffer limit configuration."

    public struct Problem: Error { public let text: String }

    /// The limits of one class (`normal`, `slave` or `pubsub`) from a stored value.
    public static func limits(of className: String, in stored: String) -> OutputBufferLimits {
        let w = stored.split(separator: " ").map(String.init)
        var i = 0
        while i + 3 < w.count {
            if w[i] == className, let h = Int64(w[i + 1]), let s = Int64(w[i + 2]), let sec = Int64(w[i + 3]) {
                return OutputBufferLimits(hard: h, soft: s, softSeconds: sec)
            }
            i += 4
        }
        return OutputBufferLimits(hard: 0, soft: 0, softSeconds: 0)
    }

    /// Applies `text` (groups of four words; `replica` is an alias of `slave`) to `current`,
    /// checking every group before changing anything, with Redis's error texts.
    public static func merge(_ text: String, into current: String) -> Result<String, Problem> {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count % 4 == 0 else {
            return .failure(Problem(text: "Wrong number of arguments in buffer limit configuration."))
        }
        var table: [String: OutputBufferLimits] = [:]
        for c in classes { table[c] = limits(of: c, in: current) }
        var i = 0
        while i < words.count {
            var name = words[i].lowercased()
            if name == "replica" { name = "slave" }
            guard classes.contains(name) else {
                return .failure(Problem(text: "Invalid client class specified in buffer limit configuration."))
            }
            guard let hard = Config.parseMemory(words[i + 1]), let soft = Config.parseMemory(words[i + 2]),
                let seconds = Int64(words[i + 3]), seconds >= 0
            else { return .failure(Problem(text: OutputBufferLimits.badNumbers)) }
            table[name] = OutputBufferLimits(hard: hard, soft: soft, softSeconds: seconds)
            i += 4
        }
        let out = classes.map { c -> String in
            let l = table[c]!
            return "\(c) \(l.hard) \(l.soft) \(l.softSeconds)"
        }
        return .success(out.joined(separator: " "))
    }
}
