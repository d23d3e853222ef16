// The one table of configuration directives: names (Redis's where the concept exists), kinds,
// defaults and whether CONFIG SET may change them at run time. The file/argv parser
// (ConfigParser.swift) and CONFIG GET/SET both read this table, so adding a directive is a
// ConfigKey case and one line here plus its annotated entry in conf/latchkey.conf.
// Checked numbers: every value is parsed with overflow-checked arithmetic (a number or a unit
// multiplication that does not fit Int64 is out of range, as in Redis) and range-checked here, so
// the typed accessors below never trap and users of a value may convert it with plain Int(...).
// `mutable: false` marks directives applied only at start: CONFIG SET refuses them.

/// How a directive's value is checked and read.
public enum DirectiveKind: Sendable {
    case bool
    case integer(ClosedRange<Int64>)
    /// A size that accepts Redis's unit suffixes (k, kb, m, mb, g, gb), 0 ... Int64.max.
    case memory
    /// A size with Redis's unit suffixes within a range (Redis's MEMORY_CONFIG bounds).
    case memoryIn(ClosedRange<Int64>)
    case string
    /// Allowed words, in the order Redis lists them in its error text.
    case oneOf([String])
    /// Several space-separated words on one line (bind).
    case words
    /// A TCP port 0-65535 (0: the kernel picks a free one), or `off` for no listener at all.
    /// `Config.int` reads `off` as -1.
    case port
    /// Redis's keyspace-event class letters (`KEA`, `Ex`), stored in Redis's canonical order.
    case keyspaceEvents
    /// Redis's `<class> <hard> <soft> <soft-seconds>` groups; a partial value updates only the
    /// classes it names (see OutputBufferLimits).
    case outputBufferLimits
}

/// The name of a directive, one case per `ConfigTable` row (the raw value is the name in
/// conf files, argv and CONFIG GET/SET). Typed accessors take a key, so a misspelled directive
/// does not compile; ConfigKeyTests checks that keys and table rows match one to one.
public enum ConfigKey: String, CaseIterable, Sendable {
    case bind
    case port
    case protectedMode = "protected-mode"
    case tcpBacklog = "tcp-backlog"
    case timeout
    case tcpKeepalive = "tcp-keepalive"
    case maxclients
    case loglevel
    case logfile
    case databases
    case dir
    case hz
    case busyPollUsecs = "busy-poll-usecs"
    case requirepass
    case protoMaxBulkLen = "proto-max-bulk-len"
    case clientQueryBufferLimit = "client-query-buffer-limit"
    case protoMaxMultibulkLen = "proto-max-multibulk-len"
    case protoMaxInlineLen = "proto-max-inline-len"
    case clientOutputBufferSoftLimit = "client-output-buffer-soft-limit"
    case clientOutputBufferHardLimit = "client-output-buffer-hard-limit"
    case clientOutputBufferLimit = "client-output-buffer-limit"
    case notifyKeyspaceEvents = "notify-keyspace-events"
    case busyReplyThreshold = "busy-reply-threshold"
    case luaMemoryLimit = "lua-memory-limit"
    case appendonly
    case appendfilename
    case appendfsync
    case aofLoadTruncated = "aof-load-truncated"
    case autoAofRewritePercentage = "auto-aof-rewrite-percentage"
    case autoAofRewriteMinSize = "auto-aof-rewrite-min-size"
    case save
    case aofMaxRecordSize = "aof-max-record-size"
    case amqpPort = "amqp-port"
    case amqpBind = "amqp-bind"
    case amqpUser = "amqp-user"
    case amqpLoopbackUsers = "amqp-loopback-users"
    case amqpVhosts = "amqp-vhosts"
    case amqpFrameMax = "amqp-frame-max"
    case amqpChannelMax = "amqp-channel-max"
    case amqpHeartbeat = "amqp-heartbeat"
    case amqpMaxMessageSize = "amqp-max-message-size"
    case amqpQueuedMemoryLimit = "amqp-queued-memory-limit"
    case amqpServerIdentity = "amqp-server-identity"
    case enableTestCommands = "enable-test-commands"
    case readyFile = "ready-file"
    case managementPort = "management-port"
    case managementBind = "management-bind"
    case managementMaxBody = "management-max-body"
}

public struct Directive: Sendable {
    public let key: ConfigKey
    public let kind: DirectiveKind
    public let defaultValue: String
    public let mutable: Bool
    /// An accepted integer is then clamped into this range, as Redis clamps `hz` to 1...500.
    public let clampTo: ClosedRange<Int64>?
    /// The directive's name (lower case, as in conf files).
    public var name: String { key.rawValue }
    public init(
        _ key: ConfigKey, _ kind: DirectiveKind, _ defaultValue: String, mutable: Bool = true,
        clampTo: ClosedRange<Int64>? = nil
    ) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.mutable = mutable
        self.clampTo = clampTo
    }
}

public enum ConfigTable {
    /// Every directive Latchkey knows. Keep grouped as in conf/latchkey.conf.
    public static let directives: [Directive] = [
        // network
        Directive(.bind, .words, "127.0.0.1 -::1", mutable: false),
        Directive(.port, .integer(0...65535), "6379", mutable: false), Directive(.protectedMode, .bool, "yes"),
        Directive(.tcpBacklog, .integer(1...65535), "511", mutable: false),
        Directive(.timeout, .integer(0...Int64(Int32.max)), "0"),
        Directive(.tcpKeepalive, .integer(0...Int64(Int32.max)), "300"),
        Directive(.maxclients, .integer(1...Int64(UInt32.max)), "10000"),
        // general
        Directive(.loglevel, .oneOf(["debug", "verbose", "notice", "warning", "nothing"]), "notice"),
        Directive(.logfile, .string, "", mutable: false),
        Directive(.databases, .integer(1...1_000_000), "16", mutable: false),
        Directive(.dir, .string, ".", mutable: false),
        Directive(.hz, .integer(0...Int64(Int32.max)), "10", clampTo: 1...500),
        Directive(.busyPollUsecs, .integer(0...1_000_000), "0", mutable: false),
        // security
        Directive(.requirepass, .string, ""),
        // limits
        Directive(.protoMaxBulkLen, .memoryIn(1_048_576...Int64.max), "512mb"),
        Directive(.clientQueryBufferLimit, .memoryIn(1_048_576...Int64.max), "1gb"),
        Directive(.protoMaxMultibulkLen, .integer(1...Int64(Int32.max)), "1048576"),
        // Below ~1 KB no command fits; Redis's fixed value is 64 KB.
        Directive(.protoMaxInlineLen, .memoryIn(1024...Int64.max), "64kb"),
        Directive(.clientOutputBufferSoftLimit, .memory, "64mb"),
        Directive(.clientOutputBufferHardLimit, .memory, "256mb"),
        Directive(.clientOutputBufferLimit, .outputBufferLimits, OutputBufferLimits.defaultValue),
        // pub/sub
        Directive(.notifyKeyspaceEvents, .keyspaceEvents, ""),
        // scripting
        Directive(.busyReplyThreshold, .integer(0...Int64(Int32.max)), "5000"),
        Directive(.luaMemoryLimit, .memory, "64mb"),
        // append-only log
        // CONFIG SET turns the log on live (a snapshot, as Redis's rewrite); off needs a restart.
        Directive(.appendonly, .bool, "no"), Directive(.appendfilename, .string, "latchkey.aof", mutable: false),
        Directive(.appendfsync, .oneOf(["everysec", "always", "no"]), "everysec"),
        Directive(.aofLoadTruncated, .bool, "yes"),
        Directive(.autoAofRewritePercentage, .integer(0...Int64(Int32.max)), "100"),
        Directive(.autoAofRewriteMinSize, .memory, "64mb"), Directive(.save, .string, ""),
        // Largest log record a RESP write may produce while appendonly is on (the codec reads at
        // most 1 GiB); a bigger write is refused with an error instead of being accepted unlogged.
        Directive(.aofMaxRecordSize, .memoryIn(1_048_576...1_073_741_824), "1gb"),
        // AMQP
        Directive(.amqpPort, .port, "5672", mutable: false),
        Directive(.amqpBind, .words, "127.0.0.1 -::1", mutable: false),
        Directive(.amqpUser, .words, "guest:guest", mutable: false),
        Directive(.amqpLoopbackUsers, .words, "guest", mutable: false),
        Directive(.amqpVhosts, .words, "/", mutable: false),
        Directive(.amqpFrameMax, .integer(4096...Int64(Int32.max)), "131072", mutable: false),
        Directive(.amqpChannelMax, .integer(1...65535), "2047", mutable: false),
        Directive(.amqpHeartbeat, .integer(0...65535), "60"),
        Directive(.amqpMaxMessageSize, .memoryIn(0...536_870_912), "128mb", mutable: false),
        Directive(.amqpQueuedMemoryLimit, .memory, "1gb", mutable: false),
        Directive(.amqpServerIdentity, .oneOf(["rabbitmq", "latchkey"]), "rabbitmq", mutable: false),
        // test fixture
        Directive(.enableTestCommands, .oneOf(["no", "yes", "local"]), "no", mutable: false),
        Directive(.readyFile, .string, "", mutable: false),
        // management (HTTP API, /metrics, live page)
        Directive(.managementPort, .port, "15672", mutable: false),
        Directive(.managementBind, .words, "127.0.0.1 -::1", mutable: false),
        Directive(.managementMaxBody, .memory, "8mb", mutable: false),
    ]

    /// The directive a name (any case) refers to: the by-name path of conf files, argv and
    /// CONFIG GET/SET.
    public static func directive(named name: String) -> Directive? {
        ConfigKey(rawValue: name.lowercased()).flatMap { byKey[$0] }
    }

    /// The row for each key (every key has one: ConfigKeyTests).
    public static let byKey: [ConfigKey: Directive] = Dictionary(
        directives.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
}

/// A parsed, validated configuration: directive name (lower case) → value text.
/// Every key has a row in `ConfigTable` and `set` only stores values that parse as their kind,
/// so the typed accessors have a value of the right form for every key.
public final class Config {
    public private(set) var values: [String: String]

    public init() {
        var v: [String: String] = [:]
        for d in ConfigTable.directives { v[d.name] = d.defaultValue }
        values = v
    }

    /// The value text (the default until something sets it).
    public func string(_ key: ConfigKey) -> String {
        values[key.rawValue] ?? ConfigTable.byKey[key]?.defaultValue ?? ""
    }
    public func bool(_ key: ConfigKey) -> Bool { string(key) == "yes" }
    /// An integer, a size in bytes for memory directives, -1 for a port set to `off`.
    public func int(_ key: ConfigKey) -> Int64 {
        let text = string(key)
        switch ConfigTable.byKey[key]?.kind {
        case .memory, .memoryIn: return Config.parseMemory(text) ?? 0
        case .port where text == "off": return -1
        default: return Int64(text) ?? 0
        }
    }

    /// Validates and stores a value; returns an error text (without prefix) when invalid.
    @discardableResult public func set(_ name: String, _ raw: String) -> String? {
        guard let d = ConfigTable.directive(named: name) else { return "Bad directive or wrong number of arguments" }
        switch d.kind {
        case .bool:
            let l = raw.lowercased()
            guard l == "yes" || l == "no" else { return "argument must be 'yes' or 'no'" }
            values[d.name] = l
        case .integer(let range):
            // Redis's string2ll: only the canonical decimal form (no '+', leading zeros, spaces).
            guard let n = Int64(raw), String(n) == raw else { return "argument couldn't be parsed into an integer" }
            guard range.contains(n) else {
                return "argument must be between \(range.lowerBound) and \(range.upperBound) inclusive"
            }
            let kept = d.clampTo.map { min(max(n, $0.lowerBound), $0.upperBound) } ?? n
            values[d.name] = String(kept)
        case .memory:
            if let problem = Config.checkMemory(raw, in: 0...Int64.max) { return problem }
            values[d.name] = raw.lowercased()
        case .memoryIn(let range):
            if let problem = Config.checkMemory(raw, in: range) { return problem }
            values[d.name] = raw.lowercased()
        case .oneOf(let options):
            let l = raw.lowercased()
            guard options.contains(l) else {
                return "argument(s) must be one of the following: \(options.joined(separator: ", "))"
            }
            values[d.name] = l
        case .port:
            let l = raw.lowercased()
            if l == "off" {
                values[d.name] = l
                return nil
            }
            guard let n = Int64(raw), String(n) == raw else { return "argument must be a port number or 'off'" }
            guard (0...65535).contains(n) else { return "argument must be between 0 and 65535 inclusive, or 'off'" }
            values[d.name] = String(n)
        case .string, .words: values[d.name] = raw
        case .keyspaceEvents:
            guard let flags = KeyspaceEventFlags(parsing: raw) else {
                return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
            }
            values[d.name] = flags.canonical
        case .outputBufferLimits:
            switch OutputBufferLimits.merge(raw, into: values[d.name] ?? OutputBufferLimits.defaultValue) {
            case .success(let merged): values[d.name] = merged
            case .failure(let problem): return problem.text
            }
        }
        return nil
    }

    /// Parses "64mb", "1gb", "4096", "10k" as Redis does (k=1000, kb=1024, ...). Nil when the
    /// text is not a memory value or the size does not fit Int64.
    public static func parseMemory(_ s: String) -> Int64? {
        if case .value(let n) = scanMemory(s) { return n }
        return nil
    }

    /// Redis's complaint about `raw` as a size within `range`, or nil when it is acceptable.
    /// A size too large for Int64 (digits or unit) is out of range, as Redis reports it.
    static func checkMemory(_ raw: String, in range: ClosedRange<Int64>) -> String? {
        let outOfRange = "argument must be between \(range.lowerBound) and \(range.upperBound) inclusive"
        switch scanMemory(raw) {
        case .invalid: return "argument must be a memory value"
        case .tooLarge: return outOfRange
        case .value(let n): return range.contains(n) ? nil : outOfRange
        }
    }

    enum MemoryScan {
        case value(Int64)
        case tooLarge, invalid
    }

    static func scanMemory(_ s: String) -> MemoryScan {
        let l = s.lowercased()
        let units: [(String, Int64)] = [
            ("kb", 1024), ("mb", 1024 * 1024), ("gb", 1024 * 1024 * 1024), ("k", 1000), ("m", 1_000_000),
            ("g", 1_000_000_000), ("b", 1),
        ]
        var digits = Substring(l)
        var mul: Int64 = 1
        for (suffix, m) in units where l.hasSuffix(suffix) {
            digits = l.dropLast(suffix.count)
            mul = m
            break
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return .invalid }
        guard let n = Int64(digits) else { return .tooLarge }  // all digits, so only overflow fails
        let (product, overflow) = n.multipliedReportingOverflow(by: mul)
        return overflow ? .tooLarge : .value(product)
    }
}
